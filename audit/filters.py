import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import labels
from .models import Action, AuditEvent

DATE = forms.DateInput(attrs={"type": "date"})


class AuditEventFilter(django_filters.FilterSet):
    actor_name = django_filters.CharFilter(
        label=_("操作人"), method="filter_actor", help_text=_("姓名或用户名")
    )
    action = django_filters.ChoiceFilter(
        label=_("操作"), choices=Action.choices, empty_label=_("全部")
    )
    target_type = django_filters.ChoiceFilter(
        label=_("对象类型"), choices=[], empty_label=_("全部")
    )
    target_id = django_filters.CharFilter(label=_("对象编号"), lookup_expr="exact")
    target_repr = django_filters.CharFilter(label=_("对象"), lookup_expr="icontains")
    batch = django_filters.CharFilter(label=_("批次"), lookup_expr="exact")
    since = django_filters.DateFilter(
        label=_("起始日期"), field_name="occurred_at", lookup_expr="date__gte", widget=DATE
    )
    until = django_filters.DateFilter(
        label=_("截止日期"), field_name="occurred_at", lookup_expr="date__lte", widget=DATE
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["target_type"].extra["choices"] = [
            choice for choice in labels.type_choices() if choice[0] != "audit.auditevent"
        ]

    def filter_actor(self, queryset, name, value):
        """By username (as recorded) or by the account's name (姓名), either in part."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(actor_name__icontains=value) | Q(actor__display_name__icontains=value)
        )
