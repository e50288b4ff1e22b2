"""`manage.py evaluate_matching DIR`: nDCG@10 / Recall@10 / MRR of the engine on a matchbench directory."""

import time

from django.core.management.base import BaseCommand, CommandError

from matching import embeddings, evaluation


class Command(BaseCommand):
    help = (
        "在 matchbench 格式目录（demands.csv、supplies.csv、qrels.tsv）上评估匹配引擎："
        "nDCG@10、Recall@10、MRR，并给出仅语义 / 仅关键词 / 融合 的对比和反馈回放。不写数据库。"
    )

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--cv", action="store_true", help="另做按需求留出的交叉验证（检查权重是否过拟合）")
        parser.add_argument("-v2", "--per-demand", action="store_true", help="列出每个需求的 nDCG@10")

    def handle(self, *args, directory, cv, per_demand, **options):
        started = time.perf_counter()
        memory = {}
        try:
            results, (demands, supplies, qrels, index, queries) = evaluation.evaluate(directory, memory=memory)
        except evaluation.BenchmarkFormatError as exc:
            raise CommandError(f"目录格式不对：{exc}") from exc
        except embeddings.ModelUnavailable as exc:
            raise CommandError(str(exc)) from exc
        backend = embeddings.get_backend()
        self.stdout.write(
            f"数据：{len(demands)} 个需求 × {len(supplies)} 个供给，"
            f"{sum(len(v) for v in qrels.values())} 条标注；模型 {backend.name}"
        )
        self.stdout.write(f"{'方法':<22}{'nDCG@10':>10}{'Recall@10':>11}{'MRR':>8}")
        labels = {"dense": "仅语义（dense）", "lexical": "仅关键词（BM25）", "fused": "融合（上线方案）"}
        for key in ("dense", "lexical", "fused"):
            r = results[key]
            self.stdout.write(f"{labels[key]:<18}{r['ndcg@10']:>10.3f}{r['recall@10']:>11.3f}{r['mrr']:>8.3f}")
        fused = results["fused"]
        self.stdout.write(f"nDCG@10={fused['ndcg@10']:.3f} Recall@10={fused['recall@10']:.3f} MRR={fused['mrr']:.3f}")
        self.stdout.write("反馈回放（需求方看前 n 条并标记 有价值/不相关；评估其余供给的排序）：")
        for rp in results["replay"]:
            a, b = rp["hide_only"], rp["hide_and_boost"]
            self.stdout.write(
                f"  看前 {rp['shown']} 条（{rp['demands_with_unseen_relevant']} 个需求仍有未看到的相关供给）："
                f"仅隐藏不相关 nDCG@10={a['ndcg@10']:.3f}，隐藏+按有价值加权 nDCG@10={b['ndcg@10']:.3f}"
            )
        if per_demand:
            for d, v in sorted(zip(demands, fused["per_demand"], strict=True), key=lambda x: -x[1]):
                self.stdout.write(f"  {v:.2f} {d.title}")
        if cv:
            res = evaluation.cross_validate(index, queries, demands, supplies, qrels)
            self.stdout.write(
                f"交叉验证（5 折×10 次，按需求留出，在训练折上选权重）：留出 nDCG@10={res['cv_ndcg@10']:.3f}；"
                f"网格内 nDCG@10 范围 {res['grid_min']:.3f}–{res['grid_max']:.3f}；"
                f"上线权重 {res['shipped'][0]} → {res['shipped'][1]:.3f}；样本内最佳 {res['in_sample_best'][0]} → {res['in_sample_best'][1]:.3f}"
            )
        self.stdout.write(
            f"用时 {time.perf_counter() - started:.1f} 秒（编码 {embeddings.cache_stats().encode_seconds:.1f} 秒）"
        )
