"""evaluate_embeddings on a tiny copy of the ../shared/eval layout (hashing backend: fast)."""

import pytest
from django.core.management import CommandError, call_command

from matching.management.commands.evaluate_embeddings import PAIR_SETS, rankdata, spearman


def test_spearman_matches_the_textbook_values():
    assert list(rankdata([10, 20, 20, 5])) == [2.0, 3.5, 3.5, 1.0]
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)


def _layout(root):
    (root / "pairs").mkdir(parents=True)
    rows = [
        ("今天天气很好", "今天天气不错", 1),
        ("怎么开通花呗", "花呗如何开通", 1),
        ("我想吃苹果", "火车几点开", 0),
        ("银行卡丢了", "明天下雨吗", 0),
        ("如何还款", "怎么还款", 1),
    ]
    for name in PAIR_SETS:
        with (root / "pairs" / f"{name}.tsv").open("w", encoding="utf-8") as fh:
            fh.write("text1\ttext2\tlabel\n")
            fh.writelines(f"{a}\t{b}\t{y}\n" for a, b, y in rows)
    csl = root / "retrieval" / "csl"
    csl.mkdir(parents=True)
    (csl / "queries.tsv").write_text("qid\ttext\nq0\t机器人视觉检测\nq1\t中药浓缩工艺\n", encoding="utf-8")
    (csl / "corpus.tsv").write_text(
        "pid\ttext\np0\t本文研究机器人视觉检测方法\np1\t中药提取液浓缩工艺研究\n", encoding="utf-8"
    )
    (csl / "qrels.tsv").write_text("qid\tpid\trelevance\nq0\tp0\t1\nq1\tp1\t1\n", encoding="utf-8")
    return root


@pytest.mark.django_db
def test_evaluate_embeddings_prints_every_set_and_csl(tmp_path, capsys):
    call_command("evaluate_embeddings", "--data-dir", str(_layout(tmp_path)), "--sample", "3")
    out = capsys.readouterr().out
    for name in PAIR_SETS:
        assert name in out
    assert "CSL" in out and "nDCG@10" in out and "抽样标准误" in out


def test_evaluate_embeddings_explains_bad_arguments(tmp_path):
    with pytest.raises(CommandError, match="找不到评测数据目录"):
        call_command("evaluate_embeddings", "--data-dir", str(tmp_path))
    with pytest.raises(CommandError, match="未知的句对集"):
        call_command("evaluate_embeddings", "--data-dir", str(_layout(tmp_path / "e")), "--sets", "XYZ")
