"""Opening and moving 对接项目. Other apps (matching, bidding, events) open cases through case_open."""
from django.db import transaction

from accounts.selectors import liaison_staff_for_region
from followups.models import Case


@transaction.atomic
def case_open(*, demand, supply_org, origin, supply=None, origin_ref="", next_action="", actor=None):
    """Open (or return the existing) case for a demand and a supplying organisation.

    The owner is the first liaison officer responsible for the demand's region. Returns
    (case, created).
    """
    case, created = Case.objects.select_for_update().get_or_create(
        demand=demand,
        supply_org=supply_org,
        defaults={
            "supply": supply,
            "origin": origin,
            "origin_ref": str(origin_ref),
            "owner": liaison_staff_for_region(demand.region).order_by("id").first(),
            "next_action": next_action or "联系双方确认对接意向",
        },
    )
    return case, created
