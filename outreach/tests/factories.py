from datetime import timedelta

import factory
from django.utils import timezone

from outreach.models import (
    Area,
    AreaKind,
    Category,
    Consultation,
    ConsultationResponse,
    Request,
    RequestKind,
    RoutingRule,
    Status,
    ensure_default_categories,
)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试村{n}")
    kind = AreaKind.VILLAGE


def category(name: str = "意见建议") -> Category:
    """The categories come with the migration (咨询, 求助, 意见建议, 投诉反映, 微心愿); a test on
    the live server (its database flushed after each test) gets them back here."""
    ensure_default_categories()
    return Category.objects.get(name=name)


class RequestFactory(factory.django.DjangoModelFactory):
    """A request already routed to `organisation`, received now, with its clocks."""

    class Meta:
        model = Request

    category = factory.LazyFunction(category)
    area = factory.SubFactory(AreaFactory)
    title = "路灯坏了"
    text = "村口的路灯坏了一个月，晚上出行不便。"
    status = Status.RECEIVED
    submitted_at = factory.LazyFunction(timezone.now)
    clock_start = factory.LazyAttribute(lambda o: o.submitted_at)
    accept_due = factory.LazyAttribute(lambda o: o.submitted_at + timedelta(days=1))
    answer_due = factory.LazyAttribute(lambda o: o.submitted_at + timedelta(days=9))


class WishFactory(RequestFactory):
    kind = RequestKind.WISH
    category = factory.LazyFunction(lambda: category("微心愿"))
    title = "想要一套小学生字典"
    text = "孩子上三年级，想要一套新华字典。"


class RuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutingRule

    category = None
    area = factory.SubFactory(AreaFactory)


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation

    title = "关于社区停车管理办法的征求意见"
    body = "请对停车管理办法（征求意见稿）提出意见。"
    deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsultationResponse

    consultation = factory.SubFactory(ConsultationFactory)
    text = "建议增加夜间临时停车位。"
