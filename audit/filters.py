import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Action, AuditEvent

DATE = forms.DateInput(attrs={"type": "date"})


class AuditEventFilter(django_filters.FilterSet):
    actor_name = django_filters.CharFilter(label=_("操作人"), lookup_expr="icontains")
    action = django_filters.ChoiceFilter(label=_("操作"), choices=Action.choices)
    target_type = django_filters.CharFilter(label=_("对象类型"), lookup_expr="exact")
    target_id = django_filters.CharFilter(label=_("对象编号"), lookup_expr="exact")
    target_repr = django_filters.CharFilter(label=_("对象"), lookup_expr="icontains")
    since = django_filters.DateFilter(
        label=_("起始日期"), field_name="occurred_at", lookup_expr="date__gte", widget=DATE
    )
    until = django_filters.DateFilter(
        label=_("截止日期"), field_name="occurred_at", lookup_expr="date__lte", widget=DATE
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []
