"""factory-boy factories for the core models. App-specific factories live in tests/<app>/factories.py."""

import datetime

import factory
from django.utils import timezone

from accounts.models import Membership, Organization, User
from catalog.models import Demand, DemandList, IndustryChain, Region, Supply, SupplyMenu


def region(full_name="山东省济宁市"):
    return Region.objects.get(full_name=full_name)


def chain(name="机器人"):
    return IndustryChain.objects.get(name=name)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.cn")
    password = factory.PostGenerationMethodCall("set_password", "Jinglu#2026")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class LiaisonFactory(UserFactory):
    platform_role = User.PlatformRole.LIAISON


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = Organization.Kind.PARK
    region = factory.LazyFunction(lambda: region("山东省济宁市"))
    is_verified = True
    verified_at = factory.LazyFunction(timezone.now)


class SupplierOrganizationFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"北京测试科技有限公司{n}")
    kind = Organization.Kind.ENTERPRISE
    region = factory.LazyFunction(lambda: region("北京市海淀区"))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.MEMBER
    status = Membership.Status.ACTIVE


class DemandListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DemandList

    name = factory.Sequence(lambda n: f"济宁市机器人产业需求清单（第{n}批）")
    organization = factory.SubFactory(OrganizationFactory)
    year = 2027
    status = DemandList.Status.COLLECTING


class DemandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Demand

    demand_list = factory.SubFactory(DemandListFactory)
    organization = factory.LazyAttribute(lambda o: o.demand_list.organization)
    region = factory.LazyAttribute(lambda o: o.demand_list.organization.region)
    title = factory.Sequence(lambda n: f"柔性协作机器人视觉引导装配需求{n}")
    description = "园区内汽车零部件企业需要在装配线上引入协作机器人，实现视觉引导的柔性装配，节拍不低于每分钟6件。"
    chain = factory.LazyFunction(lambda: chain("机器人"))
    demand_type = "技术攻关"
    budget_wan = 200
    deadline = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    contact_name = "王主任"
    contact_phone = "0537-2345678"


class SupplyMenuFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplyMenu

    name = factory.Sequence(lambda n: f"北京机器人企业供给菜单（第{n}批）")
    organization = factory.SubFactory(SupplierOrganizationFactory)
    year = 2027
    status = SupplyMenu.Status.PUBLISHED


class SupplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supply

    menu = factory.SubFactory(SupplyMenuFactory)
    organization = factory.LazyAttribute(lambda o: o.menu.organization)
    region = factory.LazyAttribute(lambda o: o.menu.organization.region)
    title = factory.Sequence(lambda n: f"视觉引导协作机器人装配工作站{n}")
    description = "基于3D视觉与力控的协作机器人装配工作站，支持多品种小批量柔性切换，已在汽车零部件行业量产应用。"
    chain = factory.LazyFunction(lambda: chain("机器人"))
    supply_type = "解决方案"
    price_wan = 150
    maturity = "量产"
    contact_name = "李经理"
    contact_phone = "010-62345678"
