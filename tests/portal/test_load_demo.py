"""`manage.py load_demo`: demo accounts for every role, ≥4 demand lists, ≥6 supply menus, 80+ items."""

import csv
import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organization, User
from catalog.models import Demand, DemandList, Supply, SupplyMenu
from catalog.selectors import published_demands, published_supplies
from events.models import Event, Meeting, MeetingOutcome
from followups.models import Case, CaseActivity
from portal.management.commands.load_demo import FIXTURES_DIR
from reports.selectors import funnel as funnel_counts

ACCOUNTS = json.loads((FIXTURES_DIR / "demo_accounts.json").read_text(encoding="utf-8"))
DEMAND_HEADER = "清单名称,发布单位,所在地区,需求名称,需求描述,产业链,需求类型,预算（万元）,截止日期,联系人,联系电话"
SUPPLY_HEADER = "菜单名称,供给单位,所在地区,供给名称,供给描述,产业链,供给类型,参考价格（万元）,联系人,联系电话"


def test_fixture_files_use_the_exact_import_headers():
    files = sorted(Path(FIXTURES_DIR).glob("*.csv"))
    assert files
    for path in files:
        header = path.read_text(encoding="utf-8").splitlines()[0]
        assert header == (DEMAND_HEADER if path.name.startswith("demands_") else SUPPLY_HEADER), path.name


def test_demo_texts_are_written_for_the_project_not_copied_from_matchbench():
    shared = Path(FIXTURES_DIR).parent.parent / "shared" / "matchbench-dev"
    if not shared.is_dir():
        pytest.skip("../shared/matchbench-dev is not beside the repository")
    bench = set()
    for name in ("demands.csv", "supplies.csv"):
        with open(shared / name, encoding="utf-8") as fh:
            bench |= {row[3] for row in list(csv.reader(fh))[1:]}
    ours = set()
    for path in Path(FIXTURES_DIR).glob("*.csv"):
        with open(path, encoding="utf-8") as fh:
            ours |= {row[3] for row in csv.reader(fh)}
    assert not ours & bench


@pytest.mark.django_db
def test_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="拒绝加载演示数据"):
        call_command("load_demo", stdout=StringIO())
    assert not User.objects.filter(username="admin").exists()


@pytest.mark.django_db
def test_list_logins_prints_every_account_without_touching_the_database():
    out = StringIO()
    call_command("load_demo", "--list-logins", stdout=out)
    text = out.getvalue()
    for spec in ACCOUNTS["users"]:
        assert spec["username"] in text
    assert ACCOUNTS["password"] in text
    assert not User.objects.exists()


@pytest.mark.django_db
def test_load_demo_creates_every_role_and_the_published_catalogue_and_is_idempotent(client, settings):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # 21 logins below
    call_command("load_demo", stdout=StringIO())

    assert DemandList.objects.filter(status=DemandList.Status.COLLECTING).count() >= 4
    assert SupplyMenu.objects.filter(status=SupplyMenu.Status.PUBLISHED).count() >= 6
    assert Demand.objects.count() + Supply.objects.count() >= 80
    # Everything the demo publishes is visible to an anonymous visitor.
    assert published_demands().count() == Demand.objects.count()
    assert published_supplies().count() == Supply.objects.count()
    assert set(Demand.objects.values_list("chain__name", flat=True)) >= {
        "机器人",
        "集成电路",
        "第三代半导体",
        "数字文旅",
        "工业互联网/智能制造",
    }

    # One user per role, each able to log in with the documented password.
    users = {u.username: u for u in User.objects.all()}
    assert users["admin"].is_platform_admin and users["admin"].is_staff
    liaison = users["liaison_jining"]
    assert liaison.is_liaison
    assert set(liaison.responsible_regions.values_list("full_name", flat=True)) == {"山东省济宁市", "山东省淄博市"}
    kinds = {m.organization.kind for m in Membership.objects.select_related("organization")}
    assert kinds >= {"park", "government", "enterprise", "university", "investor", "liaison"}
    assert Membership.objects.get(user=users["jining_park"]).role == Membership.Role.ADMIN
    for spec in ACCOUNTS["users"]:
        assert client.login(username=spec["username"], password=ACCOUNTS["password"]), spec["username"]
        client.logout()

    # Organisations: verified as the fixture says; the newcomer's stays unverified for the demo.
    assert not Organization.objects.get(name="北京新锐机器视觉科技有限公司").is_verified
    assert Organization.objects.filter(is_verified=False).count() == 1

    counts = (
        User.objects.count(),
        Organization.objects.count(),
        DemandList.objects.count(),
        SupplyMenu.objects.count(),
        Demand.objects.count(),
        Supply.objects.count(),
        Membership.objects.count(),
    )
    users["bj_robot"].set_password("changed-during-demo-2026")
    users["bj_robot"].save()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert (
        User.objects.count(),
        Organization.objects.count(),
        DemandList.objects.count(),
        SupplyMenu.objects.count(),
        Demand.objects.count(),
        Supply.objects.count(),
        Membership.objects.count(),
    ) == counts
    assert "created=0" in out.getvalue()
    # A password changed during the demo survives a re-run.
    assert client.login(username="bj_robot", password="changed-during-demo-2026")


@pytest.mark.django_db
def test_a_broken_fixture_loads_nothing(settings, tmp_path):
    settings.DEBUG = True
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    (fixtures / "demo_accounts.json").write_text(json.dumps(ACCOUNTS, ensure_ascii=False), encoding="utf-8")
    good = Path(FIXTURES_DIR) / "demands_jining_robotics.csv"
    (fixtures / "demands_a.csv").write_text(good.read_text(encoding="utf-8"), encoding="utf-8")
    (fixtures / "demands_b.csv").write_text(
        DEMAND_HEADER
        + "\n测试清单,济宁高新区管委会,济宁市高新区,某需求,描述,不存在的产业链,技术攻关,10,2027-05-01,张三,0537-1234567\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match=r"(?s)demands_b.csv.*第2行「产业链」: 未知的产业链「不存在的产业链」"):
        call_command("load_demo", "--fixtures", str(fixtures), stdout=StringIO())
    assert not Demand.objects.exists()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_load_demo_tells_the_whole_story_once(settings):
    """Issue #12: every page has something real to show — 成熟度, fund sizes, a finished 对接会 with
    outcomes, and 对接项目 in every stage with their dates in a possible order — and a re-run adds nothing."""
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", stdout=StringIO())
    today = timezone.localdate()

    assert not Supply.objects.filter(supply_type="技术成果", maturity="").exists()
    assert Supply.objects.filter(supply_type="技术成果").count() >= 5
    for capital in Supply.objects.filter(supply_type="资本"):
        assert capital.price_wan and "亿元" in capital.description, capital.title

    past = Event.objects.get(date__lt=today)
    assert past.meetings.count() == 3
    assert MeetingOutcome.objects.filter(meeting__event=past).count() == 6
    assert past.schedule_report["scheduled"] == 3
    assert Case.objects.filter(origin=Case.Origin.EVENT, stage=Case.Stage.INTENT).count() == 2

    assert set(Case.objects.values_list("stage", flat=True)) == set(Case.Stage.values)
    for case in Case.objects.filter(stage__in=[Case.Stage.SIGNED, Case.Stage.LANDED]):
        assert case.contract_amount_wan and case.signed_on and case.met_at
        assert timezone.localtime(case.met_at).date() <= case.signed_on <= today
    landed = Case.objects.filter(stage=Case.Stage.LANDED)
    assert landed.count() >= 1
    for case in landed:
        assert case.investment_amount_wan and case.landed_location_id
        assert case.signed_on <= case.landed_on <= today
    assert Case.objects.get(stage=Case.Stage.TERMINATED).termination_reason
    funnel = {s["key"]: s["count"] for s in funnel_counts()}
    assert funnel["met"] >= 1 and funnel["signed"] >= 1 and funnel["landed"] >= 1

    def counts():
        return (
            Event.objects.count(),
            Meeting.objects.count(),
            MeetingOutcome.objects.count(),
            Case.objects.count(),
            CaseActivity.objects.count(),
            list(Case.objects.order_by("pk").values_list("stage", "signed_on", "landed_on")),
        )

    before = counts()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert counts() == before
    assert "新建已举办对接会 0 场" in out.getvalue() and "新建对接项目 0 个" in out.getvalue()


DEVELOPER_WORDS = ("cp-sat", "CP-SAT", "greedy", "贪心", "OPTIMAL", "FEASIBLE", "标准差", "≈", "匹配度合计")
ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@pytest.mark.django_db
def test_the_demo_pages_show_no_developer_text(client, settings):
    """Issue #12 on the demo data itself: the finished event's pages, the case board and the dashboard."""
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", stdout=StringIO())
    past = Event.objects.get(date__lt=timezone.localdate())
    client.force_login(User.objects.get(username="liaison_jining"))
    pages = {
        "meetings": reverse("events:meetings", args=[past.pk]),
        "invitations": reverse("events:invitations", args=[past.pk]),
        "event": reverse("events:event_detail", args=[past.pk]),
        "board": reverse("followups:case_board"),
        "cases": reverse("followups:case_list"),
        "dashboard": reverse("reports:dashboard"),
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        html = response.content.decode()
        for word in DEVELOPER_WORDS:
            assert word not in html, (name, word)
        assert not ISO_TIMESTAMP.search(html), name
    meetings = client.get(pages["meetings"]).content.decode()
    assert "已排 3 场洽谈，均无时间冲突" in meetings and "有意向" in meetings
