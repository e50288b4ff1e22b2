"""Admin: the 重新匹配 actions queue work for the worker; non-staff cannot reach them."""

import pytest
from django.urls import reverse

from matching import services
from matching.models import Match
from portal.models import OutboxMessage
from tests import factories
from tests.matching.factories import make_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


def test_rematch_actions_queue_tasks(client, staff, park_org, supplier_org):
    demands, _ = make_catalog(park_org, supplier_org)
    services.match_rematch_all(recommend=False)
    client.force_login(staff)
    url = reverse("admin:matching_match_changelist")
    assert "重新匹配" in client.get(url).content.decode()
    ids = list(Match.objects.filter(demand=demands[0]).values_list("pk", flat=True)[:2])
    response = client.post(url, {"action": "rematch_demands", "_selected_action": ids}, follow=True)
    assert "已提交 1 个需求的重新匹配任务" in response.content.decode()
    message = OutboxMessage.objects.get(task_name="matching.tasks.refresh_items")
    assert message.args == [[demands[0].pk], []]
    client.post(url, {"action": "rematch_everything", "_selected_action": ids}, follow=True)
    assert OutboxMessage.objects.filter(task_name="matching.tasks.rematch_all").exists()


def test_admin_is_closed_to_ordinary_users(client, owner):
    client.force_login(owner)
    response = client.get(reverse("admin:matching_match_changelist"))
    assert response.status_code == 302 and "login" in response["Location"]
