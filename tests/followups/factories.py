"""Factories for 对接项目 and their timeline."""

import factory

from accounts.models import Organization
from followups.models import Case
from tests import factories


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    demand = factory.SubFactory(factories.DemandFactory)
    supply_org = factory.SubFactory(factories.SupplierOrganizationFactory, kind=Organization.Kind.ENTERPRISE)
    origin = Case.Origin.MATCH
    next_action = "电话联系供给方"
