from datetime import datetime, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from meetings.models import Meeting, MeetingKind, MeetingOrganisation, MeetingStatus
from organisations.tests.factories import OrganisationFactory


def at(year, month, day, hour=9):
    return timezone.make_aware(datetime(year, month, day, hour, 0))


class MeetingFactory(factory.django.DjangoModelFactory):
    """A planned theme day of a branch; its own organisation takes part."""

    class Meta:
        model = Meeting
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    kind = MeetingKind.THEME_DAY
    status = MeetingStatus.PLANNED
    title = factory.Sequence(lambda n: f"主题党日{n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    study_hours = Decimal("0")

    @factory.post_generation
    def participants(self, create, extracted, **kwargs):
        if create:
            MeetingOrganisation.objects.create(meeting=self, organisation=self.organisation)
            for other in extracted or ():
                MeetingOrganisation.objects.create(meeting=self, organisation=other)
