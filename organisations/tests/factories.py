import itertools
from datetime import date

import factory

from organisations.id_numbers import check_digit
from organisations.members import prepare_member
from organisations.models import Member, Organisation, OrganisationKind, Position, PositionTitle

_sequence = itertools.count(1)


class OrganisationFactory(factory.django.DjangoModelFactory):
    """Builds through treebeard: a root unless `parent` is given."""

    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"中共测试单位{n}支部委员会")
    kind = OrganisationKind.BRANCH
    code = factory.Sequence(lambda n: f"T{n:05d}")
    organ = factory.Sequence(lambda n: f"测试单位{n}")

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is None:
            return model_class.objects.add_root(kwargs)
        parent.refresh_from_db()
        return model_class.objects.add_child(parent, kwargs)


def id_number_for(birth_date: date = date(1985, 3, 12), sex: str = "male") -> str:
    """A valid ID number, unique within the test run, agreeing with birth date and sex."""
    serial = next(_sequence) % 500 * 2 + (1 if sex == "male" else 0)
    first17 = f"533401{birth_date:%Y%m%d}{serial:03d}"
    return first17 + check_digit(first17)


class MemberFactory(factory.django.DjangoModelFactory):
    """A valid active full member; the ID number agrees with sex and birth date. Built by the
    member builder, so a factory member meets every rule a real one does (a test that sets
    an attribute breaking a rule fails here, saying which)."""

    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"测试{n}")
    sex = "male"
    ethnicity = "01"
    birth_date = date(1985, 3, 12)
    joined_on = date(2010, 7, 1)
    full_member_on = date(2011, 7, 1)
    category = "full"
    organisation = factory.SubFactory(OrganisationFactory)
    status = "active"
    phone = "13887654321"

    @classmethod
    def _create(cls, model_class, *args, id_number=None, **kwargs):
        number = id_number or id_number_for(kwargs["birth_date"], kwargs["sex"])
        prepared = prepare_member(kwargs, id_number=number)
        prepared.raise_errors()
        prepared.member.save()
        return prepared.member


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    organisation = factory.SubFactory(OrganisationFactory)
    member = factory.SubFactory(MemberFactory)
    title = PositionTitle.SECRETARY
    term_start = date(2024, 1, 1)
    term_end = date(2027, 1, 1)
