"""The filter sidebar's FastSelect renders exactly what Django's Select would (same tags, attributes, text)."""

from html.parser import HTMLParser

import pytest
from django import forms
from django.http import QueryDict

from catalog.filters import DemandFilterSet, FastSelect, SupplyFilterSet
from catalog.models import Demand, Supply
from tests import factories

pytestmark = pytest.mark.django_db


def parsed(html):
    """Tags with sorted attributes and text: attribute order is not a difference."""
    out = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            out.append((tag, tuple(sorted(attrs))))

        def handle_endtag(self, tag):
            out.append(("/" + tag,))

        def handle_data(self, data):
            if data.strip():
                out.append(("text", data))

    Parser().feed(html)
    return out


@pytest.mark.parametrize("filterset_class, model", [(DemandFilterSet, Demand), (SupplyFilterSet, Supply)])
@pytest.mark.parametrize(
    "query", ["", "chain={chain}&status=closed&q=<b>x", "demand_type=技术攻关&maturity=中试&region=999999"]
)
def test_fast_select_matches_django_select(filterset_class, model, query):
    filterset = filterset_class(
        QueryDict(query.format(chain=factories.chain("机器人").pk)), queryset=model.objects.all()
    )
    fast_fields = [name for name, field in filterset.form.fields.items() if isinstance(field.widget, FastSelect)]
    assert {"chain", "region", "status"} <= set(fast_fields)
    for name in fast_fields:
        widget = filterset.form.fields[name].widget
        fast = filterset.form[name].as_widget()
        widget.__class__ = forms.Select
        try:
            slow = filterset.form[name].as_widget()
        finally:
            widget.__class__ = FastSelect
        assert parsed(fast) == parsed(slow), name
        if "chain=" in query and name == "chain":
            assert ("option", (("selected", None), ("value", str(factories.chain("机器人").pk)))) in parsed(fast)
