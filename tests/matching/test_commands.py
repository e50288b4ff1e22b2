"""The evaluation interface: import_catalog → rematch → export_matches, evaluate_matching."""

import csv
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from matching.models import Match

pytestmark = pytest.mark.django_db
DEV = Path("/work/shared/matchbench-dev")
HERE = Path(__file__).resolve().parent


def _mini_bench(tmp_path, n_demands=4):
    """The first demands of the dev set with their judged supplies plus a few others."""
    with (DEV / "demands.csv").open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        demands = [row for _, row in zip(range(n_demands), reader, strict=False)]
        demand_fields = reader.fieldnames
    names = {d["需求名称"] for d in demands}
    with (DEV / "qrels.tsv").open(encoding="utf-8") as fh:
        qrels = [r for r in csv.DictReader(fh, delimiter="\t") if r["需求名称"] in names]
    wanted = {r["供给名称"] for r in qrels}
    with (DEV / "supplies.csv").open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        supply_fields = reader.fieldnames
    supplies = [r for r in rows if r["供给名称"] in wanted] + [r for r in rows if r["供给名称"] not in wanted][:8]
    for name, fields, data in (("demands.csv", demand_fields, demands), ("supplies.csv", supply_fields, supplies)):
        with (tmp_path / name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            writer.writerows(data)
    with (tmp_path / "qrels.tsv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["需求名称", "供给名称", "相关度"], delimiter="\t")
        writer.writeheader()
        writer.writerows(qrels)
    return tmp_path, len(demands), len(supplies)


def test_import_rematch_export(tmp_path, capsys):
    bench, n_d, n_s = _mini_bench(tmp_path)
    call_command("import_catalog", str(bench / "demands.csv"))
    call_command("import_catalog", str(bench / "supplies.csv"))
    call_command("rematch")
    out = capsys.readouterr().out
    assert "重新匹配完成" in out and "命中率" in out
    assert Match.objects.count() == n_d * min(10, n_s)
    target = tmp_path / "out.csv"
    call_command("export_matches", str(target), "--top", "3")
    with target.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:4] == ["需求名称", "供给名称", "得分", "排名"] and rows[0][4] == "匹配理由"
    body = rows[1:]
    assert len(body) == n_d * 3
    by_demand = {}
    for row in body:
        by_demand.setdefault(row[0], []).append(int(row[3]))
        assert 0 <= float(row[2]) <= 100
        # 匹配理由 in the pages' plain words: a strength word, never engine notes.
        assert row[4].split("；")[0] in ("高度相关", "较相关", "可能相关", "相关性较弱")
        assert "标准差" not in row[4] and "≈" not in row[4]
    assert all(ranks == [1, 2, 3] for ranks in by_demand.values()) and len(by_demand) == n_d


def test_export_rejects_bad_arguments(tmp_path):
    with pytest.raises(CommandError, match="--top"):
        call_command("export_matches", str(tmp_path / "x.csv"), "--top", "0")
    with pytest.raises(CommandError, match="输出目录不存在"):
        call_command("export_matches", str(tmp_path / "missing" / "x.csv"))


def test_rematch_queue_sends_to_the_worker(capsys):
    from portal.models import OutboxMessage

    call_command("rematch", "--queue")
    assert OutboxMessage.objects.filter(task_name="matching.tasks.rematch_all").exists()
    assert Match.objects.count() == 0
    assert "已提交后台重新匹配任务" in capsys.readouterr().out


def test_evaluate_matching_prints_metrics_and_ablation(tmp_path, capsys):
    bench, _, _ = _mini_bench(tmp_path)
    call_command("evaluate_matching", str(bench))
    out = capsys.readouterr().out
    for label in ("nDCG@10=", "Recall@10=", "MRR=", "仅语义", "仅关键词", "融合", "反馈回放"):
        assert label in out
    assert Match.objects.count() == 0  # in memory: nothing written


def test_evaluate_matching_on_two_sets_prints_pooled_cross_set_and_calibration(tmp_path, capsys, monkeypatch):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    _mini_bench(first, n_demands=3)
    _mini_bench(second, n_demands=5)
    # No directory given: MATCHBENCH_DIRS names the sets.
    monkeypatch.setenv("MATCHBENCH_DIRS", f"{first}:{second}")
    call_command("evaluate_matching")
    out = capsys.readouterr().out
    for label in (
        "== a：",
        "== b：",
        "== 合并",
        "去掉伪相关反馈（PRF）",
        "旧引擎（旧权重，无 PRF）",
        "去掉类型匹配",
        "== 跨数据集",
        "a → b",
        "b → a",
        "0–100 分校准",
        "得分 ≥ 70",
        "得分 ≥ 85",
        "只看每个需求的前 1 条",
    ):
        assert label in out, label
    assert "精确率 ≥ 0.90" in out  # either the bar or the sentence saying there is none
    assert Match.objects.count() == 0
    assert not (Path(__file__).resolve().parents[2] / "var" / "eval_embeddings" / "hashing-bigram-384.npz").exists()


def test_evaluate_matching_explains_a_bad_directory(tmp_path):
    shutil.copy(DEV / "demands.csv", tmp_path / "demands.csv")
    with pytest.raises(CommandError, match="缺少文件 supplies.csv"):
        call_command("evaluate_matching", str(tmp_path))


def test_export_longer_than_the_stored_lists_computes_them(tmp_path, settings):
    bench, n_d, n_s = _mini_bench(tmp_path)
    call_command("import_catalog", str(bench / "demands.csv"))
    call_command("import_catalog", str(bench / "supplies.csv"))
    call_command("rematch")
    settings.MATCHING_TOP_K = 3
    target = tmp_path / "long.csv"
    call_command("export_matches", str(target), "--top", "5")
    with target.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == n_d * 5
    assert sorted({int(r["排名"]) for r in rows}) == [1, 2, 3, 4, 5]
