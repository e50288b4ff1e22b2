"""Every /api/ route × method × persona answers as tests/api/matrix.py says; a route without a row fails."""

import pytest
from django.urls import URLResolver, get_resolver

from tests.api.matrix import EXEMPT, MATRIX, PERSONAS

pytestmark = pytest.mark.django_db

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _api_routes(patterns=None, prefix=""):
    """(name, allowed methods) of every URL pattern under api/, read from the live resolver."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_routes(pattern.url_patterns, prefix + str(pattern.pattern))
            continue
        path = prefix + str(pattern.pattern)
        if not path.startswith("api/"):
            continue
        actions = getattr(pattern.callback, "actions", None)
        if actions:
            # DRF adds "head" (a mirror of GET) to the shared actions dict at the first request,
            # so the set would depend on test order; HEAD is covered by its GET row.
            methods = {m.upper() for m in actions if m.upper() in METHODS}
        else:
            view_class = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
            methods = {m.upper() for m in METHODS if view_class is not None and hasattr(view_class, m.lower())}
        yield pattern.name, methods


def test_every_api_route_and_method_has_a_row():
    missing = []
    for name, methods in _api_routes():
        if name in EXEMPT:
            continue
        row = MATRIX.get(name)
        if row is None:
            missing.append(f"{name} (no row)")
            continue
        missing += [f"{name} {m}" for m in methods if m not in row]
        for method, spec in row.items():
            if method != "url":
                assert set(spec["expect"]) == set(PERSONAS), f"{name} {method}: every persona needs an expectation"
    assert not missing, "API routes without a permission-matrix row in tests/api/matrix.py: " + ", ".join(
        sorted(missing)
    )


CASES = [
    pytest.param(name, method, persona, id=f"{name}-{method}-{persona}")
    for name, row in MATRIX.items()
    for method in row
    if method != "url"
    for persona in PERSONAS
]


@pytest.mark.parametrize("name, method, persona", CASES)
def test_permission_matrix(world, api_as, name, method, persona):
    row = MATRIX[name]
    spec = row[method]
    user = world.users[persona]
    data = spec["data"](world, user) if "data" in spec else None
    response = getattr(api_as(persona), method.lower())(row["url"](world), data, format="json")
    expected = spec["expect"][persona]
    assert response.status_code == expected, (response.status_code, getattr(response, "data", None))
    if expected >= 400:
        body = response.json()
        assert set(body["error"]) == {"code", "message", "fields"} and body["error"]["message"]
        if expected == 404:
            assert body["error"]["message"] == "未找到该对象或您无权访问。"
