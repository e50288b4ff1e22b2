"""Favicon, API docs that stay on the machine and speak Chinese, and the outbox admin page."""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.urls import reverse

from portal.api import CHINESE_TAGS
from portal.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_favicon_ico_is_served_not_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    body = b"".join(icon.streaming_content) if icon.streaming else icon.content
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO header, not an HTML page


def test_pages_link_the_vendored_favicon(client):
    assert 'rel="icon" href="/static/favicon.svg"' in client.get(reverse("home")).text


def test_api_tags_are_chinese(client):
    schema = yaml.safe_load(client.get(reverse("api-schema")).content)
    tags = {
        tag
        for item in schema["paths"].values()
        for op in item.values()
        if isinstance(op, dict)
        for tag in op.get("tags", [])
    }
    assert tags, "the schema has tagged operations"
    english = sorted(tag for tag in tags if re.search(r"[A-Za-z]", tag))
    assert not english, f"API tags without a Chinese name (add them to portal.api.CHINESE_TAGS): {english}"
    assert [t["name"] for t in schema["tags"]] == sorted(tags, key=list(dict.fromkeys(CHINESE_TAGS.values())).index)


def test_redoc_page_and_bundle_ask_no_cdn(client):
    page = client.get(reverse("api-redoc")).text
    bundle_url = re.search(r'src="([^"]*redoc\.standalone\.js)"', page).group(1)
    assert bundle_url.startswith("/static/")
    bundle = Path(settings.BASE_DIR, "static", bundle_url.removeprefix("/static/")).read_text(encoding="utf-8")
    assert "cdn.redoc.ly" not in bundle and "cdn.redoc.ly" not in page


def test_outbox_admin_lists_pending_tasks_in_chinese_and_sends_them(admin_client):
    message = OutboxMessage.objects.create(task_name="matching.tasks.refresh_demand", args=[1])
    page = admin_client.get(reverse("admin:portal_outboxmessage_changelist")).text
    assert "重新计算需求的推荐" in page and "待发送" in page
    admin_client.post(
        reverse("admin:portal_outboxmessage_changelist"), {"action": "send_now", "_selected_action": [message.pk]}
    )
    message.refresh_from_db()
    assert message.attempts == 1  # tried once: sent, or kept pending with the broker's error


def test_admin_index_is_chinese_including_celery_results(admin_client):
    page = admin_client.get(reverse("admin:index")).text
    assert "后台任务结果" in page and "待发任务" in page
    for english in ("Celery Results", "Task results", "Group results"):
        assert english not in page
