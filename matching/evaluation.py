"""Offline evaluation on a matchbench directory (demands.csv, supplies.csv, qrels.tsv).

Runs the same engine as the stored matches, in memory (no database rows are written), and
reports nDCG@10 (gain 2^rel−1), Recall@10 (grade ≥ 1) and MRR of the first grade-2 supply,
with the per-signal ablation and a feedback replay. Over several sets: pooled figures, weights
picked on one set and reported on another (`cross_set`), and the precision of each band of the
0–100 score (`calibration_table`). Vectors can be kept on disk between runs (`load_disk_cache`,
`save_disk_cache`, under var/eval_embeddings/, keyed by model and text hash).
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


CACHE_DIR = Path(__file__).resolve().parent.parent / "var" / "eval_embeddings"


def _cache_path(model_name):
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in model_name)
    return CACHE_DIR / f"{safe}.npz"


def load_disk_cache(model_name=None):
    """text hash → vector, from the on-disk cache of earlier evaluations (empty when missing or corrupt)."""
    path = _cache_path(model_name or embeddings.get_backend().name)
    if not path.exists():
        return {}
    try:
        with np.load(path) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError):
        return {}


def save_disk_cache(memory, model_name=None):
    """Write the evaluation's vectors next to the project (var/, not committed): reruns cost seconds."""
    if not memory:
        return
    path = _cache_path(model_name or embeddings.get_backend().name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".part.npz")
    np.savez(tmp, **memory)
    tmp.replace(path)


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
    engine.expand_queries(queries, index)
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
        "per_demand_recall": rc,
        "per_demand_mrr": mrr,
    }


def rank_all(index, queries, signals="fused", useful=None, exclude=None, prf=None):
    """Full rankings. `prf`: None keeps the queries as expanded; a number re-expands them with that
    weight (0: the plain need vector) for this call and puts the shipped expansion back after."""
    if prf is not None:
        engine.expand_queries(queries, index, beta=prf)
    rankings = []
    semantic = engine.semantic_block(np.vstack([q.vector for q in queries]), index)
    for i, q in enumerate(queries):
        scores = engine.score_demand(
            q, index, signals=signals, semantic=semantic[i], useful_ids=(useful or {}).get(q.item.id, ())
        )
        rankings.append(engine.top_k(scores, index, len(index), exclude_ids=(exclude or {}).get(q.item.id, ())))
    if prf is not None:
        engine.expand_queries(queries, index)
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
            engine.expand_queries(queries, index)  # the feedback's first pass uses these weights too
            per[combo] = np.array(metrics_for(rank_all(index, queries), demands, supplies, qrels)["per_demand"])
    finally:
        for n, v in saved.items():
            setattr(engine, n, v)
        engine.expand_queries(queries, index)
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


# --- several sets: ablations, pooled figures, fit-on-one / report-on-the-other, calibration ----------

PREVIOUS_WEIGHTS = {"W_LEX": 2.0, "W_TYPE": 0.75, "W_CHAIN": 0.25, "W_BUDGET": 0.5}

# label → (signals, engine overrides, prf). "fused" is the shipped engine; the others take one
# thing away (or put the previous engine back) so each signal's share can be read off.
ABLATIONS = {
    "fused": ("fused", {}, None),
    "dense": ("dense", {}, 0.0),
    "lexical": ("lexical", {}, 0.0),
    "no_prf": ("fused", {}, 0.0),
    "previous_weights": ("fused", PREVIOUS_WEIGHTS, None),
    "previous_engine": ("fused", PREVIOUS_WEIGHTS, 0.0),
    "no_type": ("fused", {"W_TYPE": 0.0}, None),
    "no_lexical": ("fused", {"W_LEX": 0.0}, None),
    "no_budget": ("fused", {"W_BUDGET": 0.0}, None),
}
ABLATION_LABELS = {
    "fused": "融合（上线方案）",
    "dense": "仅语义（dense）",
    "lexical": "仅关键词（BM25）",
    "no_prf": "去掉伪相关反馈（PRF）",
    "previous_weights": "旧权重 + PRF",
    "previous_engine": "旧引擎（旧权重，无 PRF）",
    "no_type": "去掉类型匹配",
    "no_lexical": "去掉关键词",
    "no_budget": "去掉预算",
}


class engine_weights:
    """Context manager: set engine weights (module attributes) for a block, restore them after."""

    def __init__(self, **overrides):
        self.overrides = overrides

    def __enter__(self):
        self.saved = {k: getattr(engine, k) for k in self.overrides}
        for k, v in self.overrides.items():
            setattr(engine, k, v)
        return self

    def __exit__(self, *exc):
        for k, v in self.saved.items():
            setattr(engine, k, v)
        return False


def run_ablation(bench, key):
    demands, supplies, qrels, index, queries = bench
    signals, overrides, prf = ABLATIONS[key]
    with engine_weights(**overrides):
        # re-expand under these weights (the first pass of the feedback uses them too)
        result = metrics_for(
            rank_all(index, queries, signals, prf=engine.PRF_BETA if prf is None else prf), demands, supplies, qrels
        )
    engine.expand_queries(queries, index)
    return result


def pool(results):
    """Demand-weighted mean over several sets' metrics (as if they were one set)."""
    out = {}
    for key, lists in (
        ("ndcg@10", "per_demand"),
        ("recall@10", "per_demand_recall"),
        ("mrr", "per_demand_mrr"),
    ):
        values = [v for r in results for v in r[lists]]
        out[key] = float(np.mean(values)) if values else 0.0
    out["per_demand"] = [v for r in results for v in r["per_demand"]]
    out["per_demand_recall"] = [v for r in results for v in r["per_demand_recall"]]
    out["per_demand_mrr"] = [v for r in results for v in r["per_demand_mrr"]]
    return out


def load_sets(directories, *, memory=None):
    """[(name, (demands, supplies, qrels, index, queries))] for each matchbench directory."""
    out = []
    for directory in directories:
        demands, supplies, qrels = load_bench(directory)
        index, queries = build_in_memory(demands, supplies, memory=memory)
        out.append((Path(directory).name, (demands, supplies, qrels, index, queries)))
    return out


FIT_GRID = {
    "W_LEX": (1.0, 2.0, 3.0),
    "W_TYPE": (0.75, 1.25, 1.75, 2.25, 2.75),
    "W_CHAIN": (0.0, 0.25, 0.5),
    "W_BUDGET": (0.0, 0.5, 1.0),
    "PRF_BETA": (0.0, 0.5, 1.0),
}


def grid_metrics(sets, grid=None):
    """{combo: [metrics per set]} over the weight grid (PRF_BETA included)."""
    import itertools

    grid = grid or FIT_GRID
    names = list(grid)
    out = {}
    for combo in itertools.product(*(grid[n] for n in names)):
        values = dict(zip(names, combo, strict=True))
        with engine_weights(**values):
            out[combo] = [metrics_for(rank_all(b[3], b[4], prf=engine.PRF_BETA), b[0], b[1], b[2]) for _name, b in sets]
    for _name, b in sets:
        engine.expand_queries(b[4], b[3])
    return names, out


def cross_set(sets, grid=None):
    """Pick the weights on one set (best nDCG@10, then Recall@10), report them on each other set.

    Returns [(fit_on, report_on, weights, in-sample metrics, out-of-sample metrics)], plus the
    shipped weights' figures and the pooled in-sample best (for comparison).
    """
    names, per = grid_metrics(sets, grid)
    rows = []
    for a, (name_a, _) in enumerate(sets):
        best = max(per, key=lambda c: (per[c][a]["ndcg@10"], per[c][a]["recall@10"], per[c][a]["mrr"]))
        for b, (name_b, _) in enumerate(sets):
            if a != b:
                rows.append((name_a, name_b, dict(zip(names, best, strict=True)), per[best][a], per[best][b]))
    pooled_best = max(per, key=lambda c: (pool(per[c])["ndcg@10"], pool(per[c])["recall@10"]))
    return {
        "rows": rows,
        "pooled_best": (dict(zip(names, pooled_best, strict=True)), pool(per[pooled_best])),
        "grid_size": len(per),
    }


CALIBRATION_BANDS = (95, 90, 85, 80, 70, 60, 50, 0)


def scored_pairs(sets):
    """(display score, grade, rank in the demand's list from 0) of every pair of every set, shipped engine."""
    scores, grades, ranks = [], [], []
    for _name, (_demands, supplies, qrels, index, queries) in sets:
        names = [s.title for s in supplies]
        semantic = engine.semantic_block(np.vstack([q.vector for q in queries]), index)
        for i, q in enumerate(queries):
            raw = engine.score_demand(q, index, semantic=semantic[i]).raw
            g = qrels.get(q.item.title, {})
            scores.append(engine.to_display(raw))
            grades.append(np.array([g.get(n, 0) for n in names]))
            rank = np.empty(len(raw), np.int64)
            rank[np.argsort(-raw, kind="stable")] = np.arange(len(raw))
            ranks.append(rank)
    return np.concatenate(scores), np.concatenate(grades), np.concatenate(ranks)


def calibration_table(sets, bands=CALIBRATION_BANDS, precision_target=0.9, min_pairs=10):
    """Score bands → pairs, precision (share of grade ≥ 1), and at-or-above each bar: precision and
    the share of all relevant pairs kept. Also the lowest whole-number bar whose measured precision
    (pairs at or above it) is ≥ precision_target with at least `min_pairs` pairs."""
    shown, grades, ranks = scored_pairs(sets)
    relevant = grades >= 1
    total_relevant = int(relevant.sum())
    rows = []
    upper = 101.0
    for low in bands:
        in_band = (shown >= low) & (shown < upper)
        at_or_above = shown >= low
        rows.append(
            {
                "band": (low, min(upper, 100)),
                "pairs": int(in_band.sum()),
                "precision": float(relevant[in_band].mean()) if in_band.any() else None,
                "grade2_share": float((grades[in_band] == 2).mean()) if in_band.any() else None,
                "precision_at_or_above": float(relevant[at_or_above].mean()) if at_or_above.any() else None,
                "pairs_at_or_above": int(at_or_above.sum()),
                "recall_kept": float(relevant[at_or_above].sum() / total_relevant) if total_relevant else 0.0,
            }
        )
        upper = low

    def at(bar, top=None):
        keep = shown >= bar
        if top is not None:
            keep &= ranks < top
        n = int(keep.sum())
        return (
            n,
            (float(relevant[keep].mean()) if n else None),
            (float(relevant[keep].sum() / total_relevant) if total_relevant else 0.0),
        )

    bar = None
    for t in range(0, 101):
        n, p, _ = at(t)
        if n >= min_pairs and p is not None and p >= precision_target:
            # the bar must hold above it too (precision can dip again at a higher bar on few pairs)
            if all((at(u)[1] or 1.0) >= precision_target for u in range(t, 101) if at(u)[0] >= min_pairs):
                bar = t
                break
    fixed = {t: at(t) for t in (50, 70, 85, 90)}
    # Auto-opened cases only ever come from the first places of a demand's list.
    top_n = {top: {t: at(t, top) for t in (0, 50, 70, 85, 90)} for top in (1, 5)}
    return {
        "top_n": top_n,
        "rows": rows,
        "pairs": int(len(shown)),
        "relevant": total_relevant,
        "bar": bar,
        "bar_figures": at(bar) if bar is not None else None,
        "fixed": fixed,
        "platt": platt_fit(shown, relevant),
    }


def platt_fit(shown, relevant, iterations=50):
    """Logistic fit P(relevant) = sigmoid((raw − c)/s) on the raw scores behind `shown`; returns (c, s)."""
    with np.errstate(divide="ignore"):
        p = np.clip(np.asarray(shown, np.float64) / 100.0, 1e-9, 1 - 1e-9)
    raw = engine.SCORE_CENTER + engine.SCORE_SCALE * np.log(p / (1 - p))
    x = np.vstack([raw, np.ones_like(raw)]).T
    y = np.asarray(relevant, np.float64)
    w = np.zeros(2)
    for _ in range(iterations):
        z = x @ w
        mu = 1 / (1 + np.exp(-z))
        grad = x.T @ (y - mu)
        hess = (x * (mu * (1 - mu))[:, None]).T @ x + 1e-6 * np.eye(2)
        w += np.linalg.solve(hess, grad)
    a, b = w
    return (float(-b / a), float(1 / a)) if a > 0 else (engine.SCORE_CENTER, engine.SCORE_SCALE)
