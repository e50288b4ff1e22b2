"""CSRF on every POST route, a token in every rendered POST form, and a strict CSP on every page.

The route walk covers every URL pattern the site has (HTML, admin and API): a POST without a
CSRF token must be refused before any view runs. The page sample renders one page per app as the
persona who can see it and inspects its forms, headers and markup.
"""

import re
import uuid
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

from catalog.models import Demand
from tests import factories
from tests.faults.conftest import demand_form

pytestmark = pytest.mark.django_db

CSRF_PAGE = "安全校验失败"
# Exchanges a username and password for an API token: no session is read or created, and the
# answer cannot be read cross-origin, so a forged POST gains an attacker nothing.
CSRF_EXEMPT_API = {"api-token"}
# Swagger UI / ReDoc: GET-only HTML pages under /api/.
API_HTML_PAGES = {"api-docs", "api-redoc"}


def _routes(patterns=None, prefix="", namespace=None):
    """(name, path) for every named URL, with placeholder arguments."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            ns = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else ns
            yield from _routes(entry.url_patterns, prefix, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            kwargs = {}
            converters = getattr(entry.pattern, "converters", {})
            for key, converter in converters.items():
                kwargs[key] = (
                    1
                    if isinstance(converter, IntConverter)
                    else (uuid.uuid4() if isinstance(converter, UUIDConverter) else "demands")
                )
            for key in entry.pattern.regex.groupindex:
                kwargs.setdefault(key, "json" if key == "format" else "1")
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            try:
                yield name, reverse(name, kwargs=kwargs)
            except Exception:  # noqa: BLE001 - a pattern whose regex rejects placeholders (format suffixes)
                continue


@pytest.fixture
def strict_client():
    return Client(enforce_csrf_checks=True)


def test_every_route_refuses_a_post_without_a_csrf_token(strict_client, platform_admin):
    strict_client.force_login(platform_admin)
    routes = dict(_routes())
    html_routes = {name: path for name, path in routes.items() if not path.startswith("/api/")}
    api_routes = {name: path for name, path in routes.items() if path.startswith("/api/")}
    # Every app's pages are in the walk (guards against the walk silently finding nothing).
    namespaces = {name.split(":")[0] for name in html_routes if ":" in name}
    assert {
        "accounts",
        "catalog",
        "matching",
        "notifications",
        "bidding",
        "events",
        "followups",
        "reports",
        "audit",
        "admin",
    } <= namespaces, namespaces
    assert len(html_routes) > 100 and len(api_routes) > 20

    before = Demand.objects.count()
    unprotected = []
    for name, path in html_routes.items():
        response = strict_client.post(path, {"title": "x"})
        if response.status_code != 403 or CSRF_PAGE not in response.content.decode():
            unprotected.append((name, path, response.status_code))
    assert not unprotected, f"POST without CSRF token was not refused: {unprotected}"

    for name, path in api_routes.items():
        if name in CSRF_EXEMPT_API:
            continue
        response = strict_client.post(path, {"title": "x"})
        if name in API_HTML_PAGES:
            if response.status_code not in (403, 405):
                unprotected.append((name, path, response.status_code))
            continue
        # Session-authenticated API writes need the token too (token-authenticated ones need none).
        if response.status_code != 403 or "CSRF" not in response.content.decode():
            unprotected.append((name, path, response.status_code, response.content[:200]))
    assert not unprotected, f"API POST with a session but no CSRF token was not refused: {unprotected}"
    assert Demand.objects.count() == before


def test_the_csrf_page_is_chinese_and_explains_what_to_do(strict_client, owner):
    strict_client.force_login(owner)
    response = strict_client.post(reverse("catalog:demand_create"), {})
    text = response.content.decode()
    assert response.status_code == 403
    assert CSRF_PAGE in text and "刷新后重新提交" in text
    assert "CSRF verification failed" not in text


def test_a_form_posted_with_its_token_goes_through(strict_client, owner, park_org):
    demand_list = factories.DemandListFactory(organization=park_org)
    strict_client.force_login(owner)
    page = strict_client.get(reverse("catalog:demand_create"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = strict_client.post(
        reverse("catalog:demand_create"), {**demand_form(demand_list), "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert Demand.objects.filter(demand_list=demand_list).count() == 1


# --- a rendered page per app: forms carry the token, the CSP header is strict, no inline code ------


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []  # [(method, action, has_token)]
        self.inline_scripts = 0
        self.inline_styles = []
        self.handlers = []
        self._in_script_without_src = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append([(attrs.get("method") or "get").lower(), attrs.get("action"), False])
        if tag == "input" and attrs.get("name") == "csrfmiddlewaretoken" and self.forms:
            self.forms[-1][2] = True
        if tag == "script":
            self._in_script_without_src = "src" not in attrs and attrs.get("type") != "application/json"
        if "style" in attrs:
            self.inline_styles.append(tag)
        self.handlers += [f"{tag}[{name}]" for name in attrs if name.startswith("on")]
        if tag == "style":
            self.inline_styles.append("<style>")

    def handle_data(self, data):
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script_without_src = False


@pytest.fixture
def sample_pages(owner, owner_admin, supplier_user, liaison, platform_admin, demand, supply):
    """(persona, url) for one or more pages of every app, each of which must render (200)."""
    return [
        (None, reverse("home")),
        (None, reverse("accounts:login")),
        (None, reverse("accounts:signup")),
        (None, reverse("catalog:demand_list")),
        (None, reverse("catalog:supply_detail", args=[supply.pk])),
        (owner, reverse("catalog:demand_create")),
        (owner_admin, reverse("catalog:demand_detail", args=[demand.pk])),
        (owner, reverse("catalog:demand_edit", args=[demand.pk])),
        (owner, reverse("catalog:import")),
        (owner_admin, reverse("accounts:my_org")),
        (liaison, reverse("accounts:verification_queue")),
        (supplier_user, reverse("bidding:demand_bids", args=[demand.pk])),
        (supplier_user, reverse("bidding:my_bids")),
        (owner, reverse("matching:demand_matches", args=[demand.pk])),
        (liaison, reverse("matching:liaison_queue")),
        (owner, reverse("notifications:inbox")),
        (owner, reverse("notifications:preferences")),
        (supplier_user, reverse("notifications:subscriptions")),
        (liaison, reverse("events:event_list")),
        (liaison, reverse("events:event_create")),
        (liaison, reverse("followups:case_board")),
        (liaison, reverse("followups:case_list")),
        (None, reverse("reports:dashboard")),
        (platform_admin, reverse("audit:entry_list")),
    ]


def test_sample_pages_have_tokens_in_post_forms_a_strict_csp_and_no_inline_code(client, sample_pages):
    problems = []
    post_forms = 0
    for persona, url in sample_pages:
        client.logout()
        if persona is not None:
            client.force_login(persona)
        response = client.get(url)
        if response.status_code != 200:
            problems.append(f"{url}: status {response.status_code}")
            continue
        csp = response.get("Content-Security-Policy", "")
        if csp != settings.CONTENT_SECURITY_POLICY:
            problems.append(f"{url}: CSP header {csp!r}")
        parser = PageParser()
        parser.feed(response.content.decode())
        for method, action, has_token in parser.forms:
            if method == "post":
                post_forms += 1
                if not has_token:
                    problems.append(f"{url}: POST form to {action!r} has no csrfmiddlewaretoken")
        if parser.inline_scripts or parser.inline_styles or parser.handlers:
            problems.append(
                f"{url}: inline code blocked by the CSP: scripts={parser.inline_scripts} "
                f"styles={parser.inline_styles[:5]} handlers={parser.handlers[:5]}"
            )
    assert not problems, "\n".join(problems)
    assert post_forms >= 15  # the sample really contains forms (logout, create, bid, feedback, …)


def test_csp_forbids_inline_script_and_framing():
    policy = dict(part.strip().split(" ", 1) for part in settings.CONTENT_SECURITY_POLICY.split(";"))
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert (
        policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'self'" and policy["form-action"] == "'self'"
    )
    assert "unsafe" not in settings.CONTENT_SECURITY_POLICY


@pytest.mark.parametrize(
    "status, template", [(404, "404"), (403, "403"), (500, "500"), (503, "503"), (403, "403_csrf")]
)
def test_error_pages_carry_the_csp_and_need_no_inline_code(client, status, template):
    from django.template.loader import render_to_string

    html = render_to_string(f"{template}.html", {})
    parser = PageParser()
    parser.feed(html)
    assert not (parser.inline_scripts or parser.inline_styles or parser.handlers), template
    assert 'lang="zh-Hans"' in html
    response = client.get("/此页面不存在/")
    assert response.status_code == 404 and response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
