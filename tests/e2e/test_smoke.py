"""The home page renders in Chinese in a real browser, and a task reaches the real worker."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_page_in_chinese(live_server, page, shot):
    page.goto(live_server.url + "/")
    expect(page.locator("nav")).to_contain_text("需求清单")
    expect(page.locator("h1")).to_contain_text("京鲁产业链供需对接平台")
    shot("00-home")


def test_worker_processes_outbox_task(live_server, celery_worker_process):
    """A notification e-mail task queued through the outbox is executed by the worker process."""
    from notifications.models import Notification
    from notifications.services import notify
    from tests import factories

    user = factories.UserFactory(email="someone@example.cn")
    notify(recipients=[user], kind="system", title="端到端测试通知")
    note = Notification.objects.get(recipient=user)
    wait_until(
        lambda: Notification.objects.filter(pk=note.pk, emailed_at__isnull=False).exists(),
        timeout=60,
        message="the worker to send the e-mail",
    )
