"""`manage.py evaluate_matching [DIR ...]`: nDCG@10 / Recall@10 / MRR of the engine on matchbench directories.

With no directory it looks for shared/matchbench-dev and shared/matchbench-dev2 next to the
project (or in MATCHBENCH_DIRS, separated by the path separator). With two or more sets it also
prints the pooled figures, the cross-set figures (weights picked on one set, reported on the
other, both ways) and the calibration table of the 0–100 score.
"""

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from matching import embeddings, engine, evaluation

DEFAULT_SETS = ("matchbench-dev", "matchbench-dev2")


def default_directories():
    env = os.environ.get("MATCHBENCH_DIRS")
    if env:
        return [p for p in env.split(os.pathsep) if p]
    base = Path(settings.BASE_DIR).resolve()
    for parent in (base, *base.parents):
        found = [parent / "shared" / name for name in DEFAULT_SETS if (parent / "shared" / name).is_dir()]
        if found:
            return [str(p) for p in found]
    return []


def _fmt(r):
    return f"{r['ndcg@10']:>9.3f}{r['recall@10']:>11.3f}{r['mrr']:>8.3f}"


def _pct(value):
    return "—" if value is None else f"{value:.2f}"


class Command(BaseCommand):
    help = (
        "在 matchbench 格式目录（demands.csv、supplies.csv、qrels.tsv）上评估匹配引擎："
        "nDCG@10、Recall@10、MRR，逐项消融（仅语义 / 仅关键词 / 去掉每个新信号），多个数据集时另给合并结果、"
        "跨数据集（在一个集上选权重、在另一个集上报告）和 0–100 分的校准表。不写数据库。"
    )

    def add_arguments(self, parser):
        parser.add_argument("directories", nargs="*", help="matchbench 目录；不填则使用 shared/ 下的 dev 与 dev2")
        parser.add_argument("--cv", action="store_true", help="另做按需求留出的交叉验证（检查权重是否过拟合）")
        parser.add_argument("-v2", "--per-demand", action="store_true", help="列出每个需求的 nDCG@10")
        parser.add_argument("--no-cross", action="store_true", help="不做跨数据集权重选择（较慢的一步）")
        parser.add_argument("--no-cache", action="store_true", help="不读写 var/eval_embeddings 下的向量缓存")

    def handle(self, *args, directories, cv, per_demand, no_cross, no_cache, **options):
        started = time.perf_counter()
        directories = directories or default_directories()
        if not directories:
            raise CommandError("没有找到 matchbench 目录：请给出目录，或设置 MATCHBENCH_DIRS。")
        try:
            backend = embeddings.get_backend()
        except embeddings.ModelUnavailable as exc:
            raise CommandError(str(exc)) from exc
        # The hashing stand-in needs no cache; a real model's vectors are kept on disk between runs.
        use_disk = not no_cache and not isinstance(backend, embeddings.HashingBackend)
        memory = evaluation.load_disk_cache(backend.name) if use_disk else {}
        cached = len(memory)
        try:
            sets = evaluation.load_sets(directories, memory=memory)
        except evaluation.BenchmarkFormatError as exc:
            raise CommandError(f"目录格式不对：{exc}") from exc
        except embeddings.ModelUnavailable as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if use_disk and len(memory) > cached:
                evaluation.save_disk_cache(memory, backend.name)
        self.stdout.write(
            f"模型 {backend.name}；上线权重 W_LEX={engine.W_LEX} W_TYPE={engine.W_TYPE} W_CHAIN={engine.W_CHAIN} "
            f"W_BUDGET={engine.W_BUDGET} PRF_BETA={engine.PRF_BETA}（前 {engine.PRF_K} 条）"
        )
        per_set = {}
        for name, bench in sets:
            demands, supplies, qrels, _index, _queries = bench
            self.stdout.write("")
            self.stdout.write(
                f"== {name}：{len(demands)} 个需求 × {len(supplies)} 个供给，{sum(len(v) for v in qrels.values())} 条标注"
            )
            per_set[name] = self._ablation_table(bench)
            fused = per_set[name]["fused"]
            self.stdout.write(
                f"nDCG@10={fused['ndcg@10']:.3f} Recall@10={fused['recall@10']:.3f} MRR={fused['mrr']:.3f}"
            )
            self._replay(bench)
            if per_demand:
                for d, v in sorted(zip(demands, fused["per_demand"], strict=True), key=lambda x: -x[1]):
                    self.stdout.write(f"  {v:.2f} {d.title}")
            if cv:
                _demands, _supplies, _qrels, index, queries = bench
                res = evaluation.cross_validate(index, queries, demands, supplies, qrels)
                self.stdout.write(
                    f"交叉验证（5 折×10 次，按需求留出，在训练折上选权重）：留出 nDCG@10={res['cv_ndcg@10']:.3f}；"
                    f"网格内 nDCG@10 范围 {res['grid_min']:.3f}–{res['grid_max']:.3f}"
                )
        if len(sets) > 1:
            self.stdout.write("")
            self.stdout.write(f"== 合并（{' ∪ '.join(n for n, _ in sets)}，按需求加权）")
            self._header()
            for key, label in evaluation.ABLATION_LABELS.items():
                pooled = evaluation.pool([per_set[n][key] for n, _ in sets])
                self.stdout.write(f"{label:<24}{_fmt(pooled)}")
            if not no_cross:
                self._cross(sets)
            self._calibration(sets)
        self.stdout.write(
            f"用时 {time.perf_counter() - started:.1f} 秒（编码 {embeddings.cache_stats().encode_seconds:.1f} 秒）"
        )

    def _header(self):
        self.stdout.write(f"{'方法':<24}{'nDCG@10':>9}{'Recall@10':>11}{'MRR':>8}")

    def _ablation_table(self, bench):
        self._header()
        out = {}
        for key, label in evaluation.ABLATION_LABELS.items():
            out[key] = evaluation.run_ablation(bench, key)
            self.stdout.write(f"{label:<24}{_fmt(out[key])}")
        return out

    def _replay(self, bench):
        demands, supplies, qrels, index, queries = bench
        self.stdout.write("反馈回放（需求方看前 n 条并标记 有价值/不相关；评估其余供给的排序）：")
        for n in (1, 2, 3):
            rp = evaluation.feedback_replay(index, queries, demands, supplies, qrels, shown=n)
            a, b = rp["hide_only"], rp["hide_and_boost"]
            self.stdout.write(
                f"  看前 {rp['shown']} 条（{rp['demands_with_unseen_relevant']} 个需求仍有未看到的相关供给）："
                f"仅隐藏不相关 nDCG@10={a['ndcg@10']:.3f}，隐藏+按有价值加权 nDCG@10={b['ndcg@10']:.3f}"
            )

    def _cross(self, sets):
        res = evaluation.cross_set(sets)
        self.stdout.write("")
        self.stdout.write(f"== 跨数据集（在一个集上从 {res['grid_size']} 组权重中选 nDCG@10 最好的，报告在另一个集上）")
        self.stdout.write(
            f"{'选权重 → 报告':<24}{'nDCG@10':>9}{'Recall@10':>11}{'MRR':>8}   选出的权重（样本内 nDCG@10）"
        )
        for fit_on, report_on, weights, inside, outside in res["rows"]:
            w = " ".join(f"{k}={v:g}" for k, v in weights.items())
            self.stdout.write(f"{fit_on + ' → ' + report_on:<24}{_fmt(outside)}   {w}（{inside['ndcg@10']:.3f}）")
        weights, pooled = res["pooled_best"]
        w = " ".join(f"{k}={v:g}" for k, v in weights.items())
        self.stdout.write(f"合并集上最好的权重：{w} → 合并 nDCG@10={pooled['ndcg@10']:.3f}（样本内）")

    def _calibration(self, sets):
        cal = evaluation.calibration_table(sets)
        self.stdout.write("")
        self.stdout.write(
            f"== 0–100 分校准（合并 {cal['pairs']} 个需求-供给对，其中相关（≥1 级）{cal['relevant']} 对）"
        )
        self.stdout.write(
            f"{'分数段':<10}{'对数':>7}{'精确率':>8}{'2级占比':>8}{'≥下限精确率':>12}{'≥下限对数':>10}{'保留召回':>9}"
        )
        for row in cal["rows"]:
            low, high = row["band"]
            self.stdout.write(
                f"{f'{low}–{high}':<10}{row['pairs']:>7}{_pct(row['precision']):>8}{_pct(row['grade2_share']):>8}"
                f"{_pct(row['precision_at_or_above']):>12}{row['pairs_at_or_above']:>10}{row['recall_kept']:>9.2f}"
            )
        for t, (n, p, r) in cal["fixed"].items():
            self.stdout.write(f"得分 ≥ {t}：{n} 对，精确率 {_pct(p)}，保留召回 {r:.2f}")
        for top, figures in cal["top_n"].items():
            parts = "；".join(f"≥{t}：{n} 对 精确率 {_pct(p)} 召回 {r:.2f}" for t, (n, p, r) in figures.items())
            self.stdout.write(f"只看每个需求的前 {top} 条：{parts}")
        if cal["bar"] is None:
            self.stdout.write("没有一个分数线能使其以上各对的实测精确率 ≥ 0.90（至少 10 对）。")
        else:
            n, p, r = cal["bar_figures"]
            self.stdout.write(
                f"实测精确率 ≥ 0.90 的最低分数线：{cal['bar']}（{n} 对，精确率 {p:.2f}，保留召回 {r:.2f}）"
            )
