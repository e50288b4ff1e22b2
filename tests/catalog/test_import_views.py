"""The upload page: upload → preview (nothing saved) → confirm → import; big files in the worker; cancel; roles."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Organization
from catalog.models import Demand, DemandList, ImportJob, Supply
from catalog.tasks import preview_import_job, run_import_job
from portal.models import OutboxMessage
from tests import factories
from tests.catalog.files import csv_bytes, demand_row, demand_rows, xlsx_bytes

pytestmark = pytest.mark.django_db
IMPORT_URL = "/import/"


def upload(client, data, name="list.csv"):
    return client.post(reverse("catalog:import"), {"file": SimpleUploadedFile(name, data)})


def written():
    return Demand.objects.count(), DemandList.objects.count(), Organization.objects.count(), Supply.objects.count()


def test_url_names():
    assert reverse("catalog:import") == IMPORT_URL


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("catalog:import"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    response = upload(client, csv_bytes(demand_rows(1)))
    assert response.status_code == 302 and not ImportJob.objects.exists()


def test_user_without_org_gets_a_message(client):
    client.force_login(factories.UserFactory())
    response = client.get(reverse("catalog:import"))
    assert response.status_code == 403
    assert "您还没有加入任何单位" in response.content.decode()
    assert upload(client, csv_bytes(demand_rows(1))).status_code == 403
    assert not ImportJob.objects.exists()


def test_member_sees_the_form_and_template_links(client, owner):
    client.force_login(owner)
    page = client.get(reverse("catalog:import")).content.decode()
    assert "济宁高新区管委会" in page and 'enctype="multipart/form-data"' in page
    assert reverse("catalog:import_template", args=["demands"]) in page
    assert "<script>" not in page


def test_member_upload_preview_then_confirm(client, owner, park_org):
    client.force_login(owner)
    before = written()
    response = upload(client, csv_bytes(demand_rows(3)))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("catalog:import_job", args=[job.pk])
    assert job.status == ImportJob.Status.VALIDATED and job.kind == "demands" and job.total_rows == 3
    assert job.organization == park_org and job.created_by == owner
    assert written() == before, "the preview must not save anything"
    page = client.get(response["Location"]).content.decode()
    assert "将新增 3 条，更新 0 条，未变化 0 条。" in page and "确认导入" in page
    assert "新建的需求清单状态为「征集中」。" in page

    response = client.post(reverse("catalog:import_confirm", args=[job.pk]), follow=True)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED and job.finished_at
    assert "导入完成" in response.content.decode()
    assert Demand.objects.filter(organization=park_org).count() == 3
    assert DemandList.objects.get().status == DemandList.Status.COLLECTING
    # A second confirm (double click) changes nothing.
    response = client.post(reverse("catalog:import_confirm", args=[job.pk]), follow=True)
    assert "无需重复提交" in response.content.decode()
    assert Demand.objects.count() == 3


def test_member_importing_another_orgs_rows_sees_the_error(client, owner):
    client.force_login(owner)
    before = written()
    rows = [demand_row(1), demand_row(2, 发布单位="青岛西海岸新区管委会")]
    response = upload(client, xlsx_bytes(rows), name="list.xlsx")
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    page = client.get(response["Location"]).content.decode()
    assert "第3行「发布单位」: 您只能导入本单位「济宁高新区管委会」的需求，不能填写「青岛西海岸新区管委会」。" in page
    assert "没有保存任何数据" in page and "确认导入" not in page
    # Confirming a failed job does nothing.
    client.post(reverse("catalog:import_confirm", args=[job.pk]))
    assert written() == before


def test_every_problem_is_shown_in_the_preview(client, liaison):
    client.force_login(liaison)
    rows = [demand_row(1, 产业链="量子纠缠"), demand_row(2, 截止日期="明天"), demand_row(3, 需求描述="长" * 5001)]
    response = upload(client, csv_bytes(rows), name="bad.csv")
    page = client.get(response["Location"]).content.decode()
    assert "发现 3 个问题" in page
    for expected in (
        "第2行「产业链」: 未知的产业链「量子纠缠」",
        "第3行「截止日期」: 「明天」不是有效的日期",
        "第4行「需求描述」: 描述过长：不能超过 5000 个字符（当前 5001 个）",
    ):
        assert expected in page
    assert not Demand.objects.exists()


@pytest.mark.parametrize(
    "name,data,expected",
    [
        ("fake.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(100), "文件不是有效的 Excel（.xlsx）文件"),
        ("fake.csv", b"PK\x03\x04" + bytes(100), "这是一个 Excel 文件"),
        ("fake.csv", b"abc\x00def" * 10, "文件不是有效的 CSV 文本文件"),
        (
            "list.xls",
            b"\xd0\xcf\x11\xe0" + bytes(100),
            "只支持 Excel（.xlsx）、Word（.docx，清单在表格中）和 CSV（.csv）文件",
        ),
        ("empty.csv", b"", "文件是空的"),
    ],
)
def test_bad_uploads_are_refused_by_content_before_saving(client, owner, name, data, expected):
    client.force_login(owner)
    response = upload(client, data, name=name)
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert not ImportJob.objects.exists()


def test_upload_size_limit(client, owner, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 200
    client.force_login(owner)
    response = upload(client, csv_bytes(demand_rows(5)))
    assert "文件过大" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_oversized_request_is_refused_before_reading_the_file(client, owner, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    client.force_login(owner)
    response = upload(client, csv_bytes(demand_rows(400)))  # about 100 KB
    assert response.status_code == 200
    assert "文件过大（0.1 MB），上限为 0.0 MB：请拆分后分批导入。" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_platform_admin_import_creates_unverified_orgs(client, platform_admin):
    client.force_login(platform_admin)
    response = upload(client, csv_bytes([demand_row(1, 发布单位="潍坊市工业和信息化局", 所在地区="潍坊市")]))
    job = ImportJob.objects.get()
    assert job.organization is None
    assert "将新建 1 个单位（未认证）：潍坊市工业和信息化局。" in client.get(response["Location"]).content.decode()
    client.post(reverse("catalog:import_confirm", args=[job.pk]))
    org = Organization.objects.get(name="潍坊市工业和信息化局")
    assert not org.is_verified and org.kind == Organization.Kind.GOVERNMENT
    assert DemandList.objects.get().status == DemandList.Status.COLLECTING


def test_unverified_member_imports_drafts(client, unverified_member, unverified_org):
    client.force_login(unverified_member)
    from tests.catalog.files import supply_row

    response = upload(client, csv_bytes([supply_row(1, 供给单位=unverified_org.name)]))
    job = ImportJob.objects.get()
    assert (
        "新建的供给菜单状态为「草稿」。（单位尚未认证：认证后才能发布。）"
        in client.get(response["Location"]).content.decode()
    )
    client.post(reverse("catalog:import_confirm", args=[job.pk]))
    assert Supply.objects.get().menu.status == "draft"


@pytest.mark.parametrize(
    "url_name,method",
    [
        ("catalog:import_job", "get"),
        ("catalog:import_job_status", "get"),
        ("catalog:import_confirm", "post"),
        ("catalog:import_cancel", "post"),
    ],
)
def test_someone_elses_job_is_404(client, owner, other_member, liaison, url_name, method):
    client.force_login(owner)
    upload(client, csv_bytes(demand_rows(1)))
    job = ImportJob.objects.get()
    for intruder in (other_member, liaison):
        client.force_login(intruder)
        assert getattr(client, method)(reverse(url_name, args=[job.pk])).status_code == 404
    client.logout()
    assert getattr(client, method)(reverse(url_name, args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED and not Demand.objects.exists()


def test_discarding_a_preview_writes_nothing(client, owner):
    client.force_login(owner)
    upload(client, csv_bytes(demand_rows(2)))
    job = ImportJob.objects.get()
    response = client.post(reverse("catalog:import_cancel", args=[job.pk]), follow=True)
    assert "已取消导入，没有保存任何数据。" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    client.post(reverse("catalog:import_confirm", args=[job.pk]))
    assert not Demand.objects.exists()


# --- big files: the worker path -------------------------------------------------------------------------


@pytest.fixture
def big_upload(client, owner, settings):
    """A 12-row file with the worker threshold at 5 rows: preview and import both run in the worker."""
    settings.IMPORT_ASYNC_THRESHOLD_ROWS = 5
    client.force_login(owner)
    response = upload(client, csv_bytes(demand_rows(12)), name="big.csv")
    job = ImportJob.objects.get()
    assert "正在后台逐行检查" in client.get(response["Location"]).content.decode()
    return job


def test_big_file_preview_runs_in_the_worker(client, big_upload):
    job = big_upload
    assert job.status == ImportJob.Status.PENDING and job.total_rows == 12
    assert OutboxMessage.objects.get(task_name="catalog.tasks.preview_import_job").args == [job.pk]
    page = client.get(reverse("catalog:import_job", args=[job.pk])).content.decode()
    assert "正在预检" in page and 'id="import-progress-bar"' in page and "js/import.js" in page
    assert "<script>" not in page and "style=" not in page
    status = client.get(reverse("catalog:import_job_status", args=[job.pk])).json()
    assert status["status"] == "pending" and status["finished"] is False and "尚未保存任何数据" in status["message"]

    assert preview_import_job.apply(args=[job.pk]).get() == ImportJob.Status.VALIDATED
    assert client.get(reverse("catalog:import_job_status", args=[job.pk])).json()["finished"] is True
    page = client.get(reverse("catalog:import_job", args=[job.pk])).content.decode()
    assert "将新增 12 条" in page and "确认导入" in page
    assert not Demand.objects.exists()


@pytest.fixture
def queued_job(client, big_upload):
    preview_import_job.apply(args=[big_upload.pk])
    response = client.post(reverse("catalog:import_confirm", args=[big_upload.pk]), follow=True)
    assert "已转入后台导入" in response.content.decode()
    big_upload.refresh_from_db()
    return big_upload


def test_confirmed_big_file_is_queued_with_a_progress_page(client, queued_job):
    assert queued_job.status == ImportJob.Status.RUNNING
    assert not Demand.objects.exists()
    assert OutboxMessage.objects.get(task_name="catalog.tasks.run_import_job").args == [queued_job.pk]
    page = client.get(reverse("catalog:import_job", args=[queued_job.pk])).content.decode()
    assert "正在导入" in page and 'id="btn-cancel"' in page and "js/import.js" in page
    status = client.get(reverse("catalog:import_job_status", args=[queued_job.pk])).json()
    assert status["status"] == "running" and status["finished"] is False and status["percent"] == 0
    assert "排队中" in status["message"]


def test_worker_task_imports_and_reports_progress(client, queued_job):
    result = run_import_job.apply(args=[queued_job.pk])
    assert result.get() == ImportJob.Status.SUCCEEDED
    queued_job.refresh_from_db()
    assert queued_job.status == ImportJob.Status.SUCCEEDED
    assert queued_job.processed_rows == 12 and queued_job.summary["counts"]["created"] == 12
    assert Demand.objects.count() == 12
    status = client.get(reverse("catalog:import_job_status", args=[queued_job.pk])).json()
    assert status == {**status, "status": "succeeded", "finished": True, "percent": 100, "processed_rows": 12}
    assert "已新增 12 条" in client.get(reverse("catalog:import_job", args=[queued_job.pk])).content.decode()
    # Delivered twice (worker restart, outbox redelivery): nothing more happens.
    assert run_import_job.apply(args=[queued_job.pk]).get() == ImportJob.Status.SUCCEEDED
    assert Demand.objects.count() == 12


def test_cancel_during_the_preview(client, big_upload):
    response = client.post(reverse("catalog:import_cancel", args=[big_upload.pk]), follow=True)
    assert "已取消导入，没有保存任何数据。" in response.content.decode()
    assert preview_import_job.apply(args=[big_upload.pk]).get() == ImportJob.Status.CANCELLED
    assert run_import_job.apply(args=[big_upload.pk]).get() == ImportJob.Status.CANCELLED
    assert not Demand.objects.exists() and not DemandList.objects.exists()


def test_cancel_requested_while_running_rolls_back(client, queued_job):
    response = client.post(reverse("catalog:import_cancel", args=[queued_job.pk]), follow=True)
    assert "已请求取消" in response.content.decode()
    assert client.get(reverse("catalog:import_job_status", args=[queued_job.pk])).json()["is_cancel_requested"]
    assert run_import_job.apply(args=[queued_job.pk]).get() == ImportJob.Status.CANCELLED
    assert not Demand.objects.exists() and not DemandList.objects.exists()
    assert (
        "导入已取消，没有保存任何数据。"
        in client.get(reverse("catalog:import_job", args=[queued_job.pk])).content.decode()
    )


def test_failure_in_the_worker_writes_nothing(client, queued_job, monkeypatch):
    import catalog.importing

    def boom(*args, **kwargs):  # fails after the lists were inserted, before the items
        raise RuntimeError("disk full")

    monkeypatch.setattr(catalog.services, "audit_entry", boom)
    assert run_import_job.apply(args=[queued_job.pk]).get() == ImportJob.Status.FAILED
    queued_job.refresh_from_db()
    assert "所有数据均已撤销" in queued_job.errors[0]
    assert not Demand.objects.exists() and not DemandList.objects.exists()
    assert "所有数据均已撤销" in client.get(reverse("catalog:import_job", args=[queued_job.pk])).content.decode()


def test_cancel_after_finish_is_refused(client, queued_job):
    run_import_job.apply(args=[queued_job.pk])
    response = client.post(reverse("catalog:import_cancel", args=[queued_job.pk]), follow=True)
    assert "该导入已经结束，无法取消。" in response.content.decode()
    assert Demand.objects.count() == 12
