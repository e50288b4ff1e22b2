"""Catalog test fixtures.

The catalog pages link to pages other teams are building in parallel (matching tabs, bidding
tab, nav entries, xlsx export). Until those URL names exist, `_tolerate_missing_urls` adds
placeholder routes for exactly the names that are missing, so these tests exercise the catalog
pages and not someone else's unfinished work. Once every name exists it changes nothing.
"""

import sys
import types

import pytest
from django.http import HttpResponse
from django.urls import NoReverseMatch, URLResolver, clear_url_caches, include, path, reverse

# namespace → [(url name, number of positional args)] that catalog pages and base.html reverse.
LINKED_NAMES = {
    "matching": [("demand_matches", 1), ("supply_matches", 1), ("liaison_queue", 0)],
    "bidding": [("demand_bids", 1), ("my_bids", 0)],
    "events": [("event_list", 0)],
    "reports": [("dashboard", 0)],
    "followups": [("case_board", 0)],
    "notifications": [("inbox", 0)],
    "accounts": [("verification_queue", 0), ("my_org", 0), ("login", 0), ("logout", 0), ("signup", 0)],
    "catalog": [("import", 0), ("demand_export", 0), ("supply_export", 0)],
}


def _placeholder(request, *args, **kwargs):
    return HttpResponse("placeholder for a page another team is building")


def _missing_names():
    missing = {}
    for namespace, names in LINKED_NAMES.items():
        for name, nargs in names:
            try:
                reverse(f"{namespace}:{name}", args=[1] * nargs)
            except NoReverseMatch:
                missing.setdefault(namespace, []).append((name, nargs))
    return missing


@pytest.fixture
def liaison_coast(db):
    """Liaison staff for the coast (青岛/烟台/潍坊): reads everything published, acts nowhere near 济宁."""
    from tests import factories

    user = factories.LiaisonFactory(username="liaison_coast")
    for name in ("山东省青岛市", "山东省烟台市", "山东省潍坊市"):
        user.responsible_regions.add(factories.region(name))
    return user


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Persona factories hash a password per user; PBKDF2 would dominate these page tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tolerate_missing_urls(settings):
    missing = _missing_names()
    if not missing:
        yield
        return
    import portal.urls

    patterns = []
    for entry in portal.urls.urlpatterns:
        if isinstance(entry, URLResolver) and entry.namespace in missing:
            stubs = [
                path(f"__placeholder__/{name}/" + "<int:pk>/" * nargs, _placeholder, name=name)
                for name, nargs in missing.pop(entry.namespace)
            ]
            entry = path(
                str(entry.pattern),
                include((list(entry.url_patterns) + stubs, entry.app_name), namespace=entry.namespace),
            )
        patterns.append(entry)
    module = types.ModuleType("tests.catalog._placeholder_urls")
    module.urlpatterns = patterns
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    clear_url_caches()
    yield
    clear_url_caches()
