"""Every role walks its workbench and main pages on the demo data, at 1366 px and 390 px, and no page
shows developer text (booleans, None, ISO timestamps, internal ids, solver names, repository paths)
or scrolls sideways on a phone.

The demo data is loaded with the real `load_demo` command and matched in-process (`rematch`), so the
pages show what a fresh `scripts/run.sh` shows.
"""

import re

import pytest
from django.core.management import call_command

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "Jinglu#2026"

# What must never reach a page a person reads (visible text).
FORBIDDEN = [
    (re.compile(r"\bFalse\b"), "布尔值 False"),
    (re.compile(r"\bTrue\b"), "布尔值 True"),
    (re.compile(r"\bNone\b"), "空值 None"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"), "ISO 时间戳"),
    (re.compile(r"\bmatch:\d"), "内部来源编号"),
    (re.compile(r"cp-sat|CP-SAT|greedy|贪心算法"), "求解器名称"),
    (re.compile(r"docs/"), "仓库路径"),
    (
        re.compile(r"\b(collecting|matching|signed|landed|recommended|negotiating|pending|accepted|submitted)\b"),
        "英文状态值",
    ),
]


@pytest.fixture
def demo(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the demo's follow-up tasks run here, no worker needed
    call_command("load_demo", force=True, verbosity=0)
    call_command("rematch", verbosity=0)


def check_page(page, where):
    """The problems one page shows (collected, so one run lists every page's problems)."""
    text = page.inner_text("body")
    width = page.viewport_size["width"]
    problems = [
        f"{where}（{width} px）显示了{label}：「{text[max(0, m.start() - 15) : m.end() + 15]}」"
        for pattern, label in FORBIDDEN
        for m in [pattern.search(text)]
        if m
    ]
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    if overflow > 1:
        problems.append(f"{where} 在 {width} px 宽时横向溢出 {overflow} px")
    return problems


def walk(browser, live_server, shot, username, paths, name):
    problems = []
    for width, height in ((1366, 900), (390, 844)):
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        page = context.new_page()
        login(page, live_server, username, DEMO_PASSWORD)
        for index, path in enumerate(paths):
            page.goto(live_server.url + path)
            assert page.title(), path
            problems += check_page(page, f"{username} 的 {path}")
            if index == 0:
                shot(f"workbench-{name}-{width}", page)
        context.close()
    return problems


def first_link(browser, live_server, username, selector, path="/"):
    """The first link matching `selector` on a page the person sees (their workbench by default)."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    login(page, live_server, username, DEMO_PASSWORD)
    page.goto(live_server.url + path)
    href = page.locator(selector).first.get_attribute("href")
    context.close()
    return href


def test_every_role_walks_its_workbench_without_developer_text(demo, live_server, browser, shot):
    """One demo load (encoding it is the slow part), three people: park official, firm, liaison."""
    demand = first_link(browser, live_server, "jining_park", "#panel-lists a")
    park_pages = ["/", demand, "/demands/", "/accounts/my-org/", "/reports/", "/cases/"]
    problems = walk(browser, live_server, shot, "jining_park", park_pages, "park")

    demand = first_link(browser, live_server, "bj_robot", "#panel-matched a")
    firm_pages = ["/", demand, "/supplies/", "/bids/mine/", "/events/"]
    problems += walk(browser, live_server, shot, "bj_robot", firm_pages, "firm")

    case = first_link(
        browser, live_server, "liaison_jining", "main a.fw-semibold[href^='/cases/']", path="/cases/board/"
    )
    liaison_pages = ["/", "/matching/queue/", "/cases/board/", case, "/events/", "/reports/", "/audit/"]
    problems += walk(browser, live_server, shot, "liaison_jining", liaison_pages, "liaison")
    assert not problems, "\n".join(problems)
