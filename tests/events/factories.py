"""Factories for 对接会 tests."""

import datetime

import factory
from django.utils import timezone

from events.models import Event, Invitation, Meeting, MeetingRequest


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"京鲁机器人产业链对接会（第{n}场）")
    date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=14))
    venue = "北京市西城区山东大厦三层会议厅"
    status = Event.Status.PUBLISHED
    slot_minutes = 20
    table_count = 4
    meeting_start = datetime.time(14, 0)
    meeting_end = datetime.time(16, 0)

    @factory.post_generation
    def demand_lists(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.demand_lists.set(extracted)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    event = factory.SubFactory(EventFactory)
    status = Invitation.Status.PENDING


class MeetingRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingRequest

    event = factory.SubFactory(EventFactory)
    status = MeetingRequest.Status.ACCEPTED
    score = 50.0


def meeting_for(pair, *, starts_at=None, table_no=1):
    starts_at = starts_at or pair.event.slot_starts()[0]
    return Meeting.objects.create(
        event=pair.event,
        pair=pair,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=pair.event.slot_minutes),
        table_no=table_no,
    )


def make_match(demand, supply, score, rank=1, explanation=None):
    from matching.models import Match

    return Match.objects.create(
        demand=demand,
        supply=supply,
        score=score,
        rank=rank,
        components={},
        explanation=explanation
        if explanation is not None
        else {
            "terms": ["协作机器人", f"词{score}"],
            "chain": "同一产业链：机器人",
            "type": "需求类型「技术攻关」↔ 供给类型「解决方案」：对口",
        },
        model_name="test",
        computed_at=timezone.now(),
    )
