"""Template filters for links to the match tabs: show a link only to someone the tab would not 404.

{% load matching_access %}
{% if request.user|can_view_demand_matches:demand %}<a href="{% url 'matching:demand_matches' demand.pk %}">…{% endif %}
"""

from django import template

from matching import selectors

register = template.Library()


@register.filter
def can_view_demand_matches(user, demand):
    return selectors.can_view_demand_matches(user, demand)


@register.filter
def can_view_supply_matches(user, supply):
    return selectors.can_view_supply_matches(user, supply)
