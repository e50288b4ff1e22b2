"""Offline evaluation on a matchbench directory (demands.csv, supplies.csv, qrels.tsv).

Runs the same engine as the stored matches, in memory (no database rows are written), and
reports nDCG@10 (gain 2^rel−1), Recall@10 (grade ≥ 1) and MRR of the first grade-2 supply,
with the per-signal ablation and a feedback replay.
"""

import csv
import math
from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np

from matching import embeddings, engine

DEMAND_COLUMNS = ("需求名称", "需求描述", "产业链", "需求类型", "预算（万元）", "截止日期")
SUPPLY_COLUMNS = ("供给名称", "供给描述", "产业链", "供给类型", "参考价格（万元）")


class BenchmarkFormatError(ValueError):
    pass


def _money(text):
    try:
        return float(str(text).strip()) if str(text).strip() else None
    except ValueError:
        return None


def _date(text):
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        return None


def _read_csv(path, required):
    if not path.exists():
        raise BenchmarkFormatError(f"缺少文件 {path.name}")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    missing = [c for c in required if rows and c not in rows[0]]
    if missing:
        raise BenchmarkFormatError(f"{path.name} 缺少列：{'、'.join(missing)}")
    return rows


def load_bench(directory):
    """(demand Items, supply Items, qrels {demand title: {supply title: grade}})."""
    d = Path(directory)
    demands = [
        engine.Item(
            id=i,
            title=r["需求名称"],
            description=r["需求描述"],
            chain=r["产业链"],
            kind=r["需求类型"],
            money_wan=_money(r["预算（万元）"]),
            deadline=_date(r["截止日期"]),
        )
        for i, r in enumerate(_read_csv(d / "demands.csv", DEMAND_COLUMNS), start=1)
    ]
    supplies = [
        engine.Item(
            id=i,
            title=r["供给名称"],
            description=r["供给描述"],
            chain=r["产业链"],
            kind=r["供给类型"],
            money_wan=_money(r["参考价格（万元）"]),
        )
        for i, r in enumerate(_read_csv(d / "supplies.csv", SUPPLY_COLUMNS), start=1)
    ]
    qrels = defaultdict(dict)
    path = d / "qrels.tsv"
    if not path.exists():
        raise BenchmarkFormatError("缺少文件 qrels.tsv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            qrels[row["需求名称"]][row["供给名称"]] = int(row["相关度"])
    return demands, supplies, qrels


def build_in_memory(demands, supplies, *, memory=None, today=None):
    """Encode every view (in-memory cache) and build the index and demand queries."""
    memory = {} if memory is None else memory
    need = embeddings.encode(
        [engine.need_text(d.title, d.description) for d in demands], kind="query", use_db=False, memory=memory
    )
    titles = embeddings.encode([s.title for s in supplies], kind="passage", use_db=False, memory=memory)
    leads = embeddings.encode(
        [engine.lead_text(s.title, s.description) for s in supplies], kind="passage", use_db=False, memory=memory
    )
    calibration = engine.estimate_calibration(need, titles, leads, embeddings.get_backend().name)
    index = engine.SupplyIndex(supplies, titles, leads, calibration)
    # Deadlines in a benchmark are judged as of its own time: treat them as open.
    queries = [engine.make_demand_query(d, v, today=today or date.min) for d, v in zip(demands, need, strict=True)]
    return index, queries


def metrics_for(rankings, demands, supplies, qrels):
    """rankings: per demand, supply positions best first (the full ranking)."""
    names = [s.title for s in supplies]
    nd, rc, mrr = [], [], []
    for d, order in zip(demands, rankings, strict=True):
        g = qrels.get(d.title, {})
        ranked = [names[j] for j in order]
        top = ranked[:10]
        dcg = sum((2 ** g.get(s, 0) - 1) / math.log2(k + 2) for k, s in enumerate(top))
        ideal = sorted(g.values(), reverse=True)[:10]
        idcg = sum((2**v - 1) / math.log2(k + 2) for k, v in enumerate(ideal))
        nd.append(dcg / idcg if idcg else 0.0)
        relevant = {s for s, v in g.items() if v >= 1}
        rc.append(len(relevant & set(top)) / len(relevant) if relevant else 0.0)
        first = next((k for k, s in enumerate(ranked) if g.get(s, 0) == 2), None)
        mrr.append(1 / (first + 1) if first is not None else 0.0)
    return {
        "ndcg@10": float(np.mean(nd)),
        "recall@10": float(np.mean(rc)),
        "mrr": float(np.mean(mrr)),
        "per_demand": nd,
    }


def rank_all(index, queries, signals="fused", useful=None, exclude=None):
    rankings = []
    semantic = engine.semantic_block(np.vstack([q.vector for q in queries]), index)
    for i, q in enumerate(queries):
        scores = engine.score_demand(
            q, index, signals=signals, semantic=semantic[i], useful_ids=(useful or {}).get(q.item.id, ())
        )
        rankings.append(engine.top_k(scores, index, len(index), exclude_ids=(exclude or {}).get(q.item.id, ())))
    return rankings


def evaluate(directory, *, memory=None):
    demands, supplies, qrels = load_bench(directory)
    index, queries = build_in_memory(demands, supplies, memory=memory)
    results = {}
    for signals in ("dense", "lexical", "fused"):
        results[signals] = metrics_for(rank_all(index, queries, signals), demands, supplies, qrels)
    results["replay"] = [feedback_replay(index, queries, demands, supplies, qrels, shown=n) for n in (1, 2, 3)]
    return results, (demands, supplies, qrels, index, queries)


def feedback_replay(index, queries, demands, supplies, qrels, shown=5):
    """The demand owner looks at the first `shown` matches and marks each 有价值 or 不相关.

    Compares the list after that feedback with (a) hiding the 不相关 ones only and (b) also
    boosting supplies similar to the 有价值 ones. The items already judged are removed from both
    lists and from the judgements, so only the reordering of the unseen rest is measured.
    """
    names = [s.title for s in supplies]
    first = rank_all(index, queries)
    useful, irrelevant = {}, {}
    for q, order in zip(queries, first, strict=True):
        g = qrels.get(q.item.title, {})
        seen = [int(index.ids[j]) for j in order[:shown]]
        useful[q.item.id] = [sid for sid in seen if g.get(names[index.pos[sid]], 0) >= 1]
        irrelevant[q.item.id] = [sid for sid in seen if g.get(names[index.pos[sid]], 0) == 0]
    seen_all = {q.item.id: useful[q.item.id] + irrelevant[q.item.id] for q in queries}
    rest_qrels = {}
    for q in queries:
        seen_names = {names[index.pos[s]] for s in seen_all[q.item.id]}
        rest_qrels[q.item.title] = {s: v for s, v in qrels.get(q.item.title, {}).items() if s not in seen_names}
    keep = [i for i, q in enumerate(queries) if any(v >= 1 for v in rest_qrels[q.item.title].values())]
    sub_d = [demands[i] for i in keep]
    out = {"shown": shown, "demands_with_unseen_relevant": len(keep)}
    for label, use in (("hide_only", None), ("hide_and_boost", useful)):
        ranks = rank_all(index, queries, useful=use, exclude=seen_all)
        out[label] = metrics_for([ranks[i] for i in keep], sub_d, supplies, rest_qrels)
    return out


WEIGHT_GRID = {
    "W_LEX": (1.0, 2.0, 3.0),
    "W_TYPE": (0.25, 0.75, 1.25),
    "W_CHAIN": (0.0, 0.25, 0.5),
    "W_BUDGET": (0.0, 0.5),
}


def cross_validate(index, queries, demands, supplies, qrels, *, folds=5, repeats=10, seed=0):
    """Leave-some-demands-out check of the weight choice.

    For every split, the weights are picked on the training demands from WEIGHT_GRID and scored
    on the held-out ones. Returns the mean held-out nDCG@10, the in-sample best, the shipped
    weights' score and the spread over the grid (a flat grid means the weights are not what
    carries the result).
    """
    import itertools

    names = list(WEIGHT_GRID)
    saved = {n: getattr(engine, n) for n in names}
    per = {}
    try:
        for combo in itertools.product(*(WEIGHT_GRID[n] for n in names)):
            for n, v in zip(names, combo, strict=True):
                setattr(engine, n, v)
            per[combo] = np.array(metrics_for(rank_all(index, queries), demands, supplies, qrels)["per_demand"])
    finally:
        for n, v in saved.items():
            setattr(engine, n, v)
    rng = np.random.default_rng(seed)
    held = []
    m = len(queries)
    for _ in range(repeats):
        perm = rng.permutation(m)
        for f in range(folds):
            test = perm[f * m // folds : (f + 1) * m // folds]
            train = np.setdiff1d(perm, test)
            best = max(per, key=lambda c: per[c][train].mean())
            held.append(per[best][test].mean())
    shipped = tuple(saved[n] for n in names)
    means = {c: float(v.mean()) for c, v in per.items()}
    best = max(means, key=means.get)
    return {
        "cv_ndcg@10": float(np.mean(held)),
        "in_sample_best": (dict(zip(names, best, strict=True)), means[best]),
        "shipped": (dict(zip(names, shipped, strict=True)), means.get(shipped)),
        "grid_min": min(means.values()),
        "grid_max": max(means.values()),
    }
