"""Template helpers for catalog pages: search-hit highlighting and money display."""

from django import template

from catalog import search

register = template.Library()


@register.filter
def highlight(text, q):
    """`{{ demand.title|highlight:q }}` — escapes the text, then wraps query words in <mark class="hit">."""
    return search.highlight(text, q)


@register.filter
def wan(value):
    """预算/价格 in 万元 without trailing zeros ("200万元", "12.5万元"); "面议" when empty."""
    if value is None or value == "":
        return "面议"
    text = f"{value:f}" if hasattr(value, "as_tuple") else str(value)
    if "." in text:  # Decimal("200") (an unsaved form value) has no places to strip: keep its zeros
        text = text.rstrip("0").rstrip(".")
    return f"{text}万元"


@register.filter
def field(obj, name):
    """`{{ item|field:kind.amount_field }}`: a field named by catalog.kinds (pages written once for both kinds)."""
    return getattr(obj, name)
