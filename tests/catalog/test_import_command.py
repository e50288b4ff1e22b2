"""`manage.py import_catalog PATH [--dry-run]` and `manage.py export_catalog KIND PATH`."""

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Organization
from catalog.models import Demand, DemandList, Supply
from tests.catalog.files import MATCHBENCH_DIR, csv_bytes, demand_row, demand_rows

pytestmark = pytest.mark.django_db


def call(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_catalog", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_imports_matchbench_supplies_and_prints_a_chinese_summary():
    out, _ = call(f"{MATCHBENCH_DIR}/supplies.csv")
    assert "导入完成：supplies.csv（供给菜单）" in out
    assert "已新增 92 条，更新 0 条，未变化 0 条。" in out
    assert Supply.objects.count() == 92
    out, _ = call(f"{MATCHBENCH_DIR}/supplies.csv")
    assert "已新增 0 条，更新 0 条，未变化 92 条。" in out
    assert Supply.objects.count() == 92


def test_dry_run_saves_nothing(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes(demand_rows(3)))
    out, _ = call(str(path), "--dry-run")
    assert "预检通过（未保存）" in out and "将新增 3 条" in out
    assert not Demand.objects.exists() and not Organization.objects.exists()


def test_errors_are_all_printed_and_the_command_fails_with_nothing_saved(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([demand_row(1), demand_row(2, 产业链="量子纠缠"), demand_row(3, 截止日期="2027-02-30")]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="bad.csv：发现 2 个问题，没有保存任何数据。"):
        call_command("import_catalog", str(path), stdout=io.StringIO(), stderr=err)
    assert "第3行「产业链」: 未知的产业链「量子纠缠」" in err.getvalue()
    assert "第4行「截止日期」: 「2027-02-30」不是有效的日期" in err.getvalue()
    assert not Demand.objects.exists() and not DemandList.objects.exists() and not Organization.objects.exists()


def test_missing_file():
    with pytest.raises(CommandError, match="找不到文件"):
        call("/nonexistent/list.xlsx")


def test_export_command_round_trips(tmp_path):
    call(f"{MATCHBENCH_DIR}/demands.csv")
    target = tmp_path / "demands.xlsx"
    out = io.StringIO()
    call_command("export_catalog", "demands", str(target), stdout=out)
    assert "已导出 20 条" in out.getvalue()
    out, _ = call(str(target))
    assert "未变化 20 条" in out
    with pytest.raises(CommandError, match=".xlsx"):
        call_command("export_catalog", "demands", str(tmp_path / "x.csv"), stdout=io.StringIO())
