"""Organisational life in the REST API v1 (DRF, in the OpenAPI schema), read-only: issue 10
asks for no recording from outside, so meetings are recorded on the pages only.

- `GET /api/v1/meetings/`: the caller's meetings with their attendance summary, filtered as
  the meeting list (`organisation` — its subtree, joint meetings included —, `kind`,
  `status`, `from`, `to`); `GET /api/v1/meetings/<id>/` adds the attendance by status and the
  decisions with their votes.
- `GET /api/v1/meetings/compliance/`: the compliance cells (one organisation, rule and period)
  of an organisation's subtree and year, optionally of one month's periods or one status;
  `GET /api/v1/meetings/compliance/summary/`: its roll-up and its children's.

Token auth and scope as everywhere in the API: an organisation or meeting out of scope is a
404; a bad parameter a 400 naming it in Chinese. Separate input (query) and output
serializers."""

from collections import Counter
from datetime import date

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import PARTY_DATA
from organisations.models import Organisation

from . import selectors
from .models import (
    ComplianceResult,
    ComplianceStatus,
    Decision,
    Meeting,
    MeetingKind,
    MeetingOrganisation,
    MeetingStatus,
)
from .periods import period_label

FIRST_YEAR, LAST_YEAR = 2000, 2100


# --- input ----------------------------------------------------------------------------------


def _label(query, name: str, error) -> str:
    """`年度：请填写合法的整数。`: the parameter's Chinese label before DRF's message."""
    field = query.fields.get(name)
    text = str(error)
    if field is None or not field.label or text.startswith(f"{field.label}："):
        return text
    return f"{field.label}：{text}"


class _Query(serializers.Serializer):
    """Query parameters, checked; an error names the parameter (api.exceptions)."""

    @classmethod
    def parse(cls, request) -> dict:
        query = cls(data=request.query_params)
        if not query.is_valid():
            raise ValidationError(
                {
                    name: [_label(query, name, e) for e in errors]
                    for name, errors in query.errors.items()
                }
            )
        return dict(query.validated_data)


class MeetingQuery(_Query):
    organisation = serializers.IntegerField(
        label=_("党组织"), required=False, min_value=1, max_value=2**31 - 1
    )
    kind = serializers.ChoiceField(label=_("会议类型"), choices=MeetingKind.choices, required=False)
    status = serializers.ChoiceField(label=_("状态"), choices=MeetingStatus.choices, required=False)
    # `from` is a keyword in Python: the field is declared below under that name.
    to = serializers.DateField(label=_("截止日期"), required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(label=_("起始日期"), required=False)
        return fields

    def validate(self, attrs):
        start, end = attrs.get("from"), attrs.get("to")
        for name, day in (("from", start), ("to", end)):
            if day is not None and not date(FIRST_YEAR, 1, 1) <= day <= date(LAST_YEAR, 12, 31):
                label = self.fields[name].label
                raise ValidationError({name: [_("%(label)s：超出范围。") % {"label": label}]})
        if start and end and start > end:
            raise ValidationError({"to": [_("截止日期：不能早于起始日期。")]})
        return attrs


class ComplianceQuery(_Query):
    organisation = serializers.IntegerField(
        label=_("党组织"), required=False, min_value=1, max_value=2**31 - 1
    )
    year = serializers.IntegerField(
        label=_("年度"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR
    )
    month = serializers.IntegerField(label=_("月份"), required=False, min_value=1, max_value=12)
    status = serializers.ChoiceField(
        label=_("落实情况"), choices=ComplianceStatus.choices, required=False
    )


class SummaryQuery(_Query):
    organisation = serializers.IntegerField(
        label=_("党组织"), required=False, min_value=1, max_value=2**31 - 1
    )
    year = serializers.IntegerField(
        label=_("年度"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR
    )


# --- output ---------------------------------------------------------------------------------


class MeetingSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name")
    organisations = serializers.SerializerMethodField()
    kind_label = serializers.CharField(source="get_kind_display")
    status_label = serializers.CharField(source="get_status_display")

    class Meta:
        model = Meeting
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "organisations",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "title",
            "starts_at",
            "ends_at",
            "place",
            "due_count",
            "present_count",
            "voting_due",
            "voting_present",
            "quorum_met",
            "study_hours",
        ]

    def get_organisations(self, meeting) -> list[int]:
        """Every organisation the meeting counts for (a joint meeting: several)."""
        return [p.organisation_id for p in meeting.participations.all()]


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = [
            "id",
            "title",
            "kind",
            "votes_for",
            "votes_against",
            "votes_abstain",
            "outcome",
            "problem",
        ]


class AttendanceSummarySerializer(serializers.Serializer):
    present = serializers.IntegerField()
    excused = serializers.IntegerField()
    absent = serializers.IntegerField()
    not_counted = serializers.IntegerField()


class MeetingDetailSerializer(MeetingSerializer):
    attendance = serializers.SerializerMethodField()
    decisions = DecisionSerializer(many=True)

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "topics", "attendance", "decisions"]

    @extend_schema_field(AttendanceSummarySerializer)
    def get_attendance(self, meeting) -> dict:
        """Attendance by status, from the meeting's rows (prefetched)."""
        counts = Counter(a.status for a in meeting.attendances.all())
        return {
            "present": counts["present"],
            "excused": counts["excused"],
            "absent": counts["absent"],
            "not_counted": sum(1 for a in meeting.attendances.all() if a.not_counted),
        }


class ComplianceSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name")
    kind_label = serializers.SerializerMethodField()
    period = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display")
    rule = serializers.SerializerMethodField()

    class Meta:
        model = ComplianceResult
        fields = [
            "organisation",
            "organisation_name",
            "meeting_kind",
            "kind_label",
            "period_start",
            "period_end",
            "period",
            "status",
            "status_label",
            "held",
            "invalid_decisions",
            "rule",
        ]

    def get_kind_label(self, cell) -> str:
        return str(MeetingKind(cell.meeting_kind).label)

    def get_period(self, cell) -> str:
        return period_label(cell.rule.frequency, cell.period_start)

    def get_rule(self, cell) -> str:
        """The rule and version the cell was checked against."""
        rule_set = cell.rule.rule_set
        return f"{rule_set.name} v{rule_set.version}"


class RollupSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(source="organisation.pk")
    organisation_name = serializers.CharField(source="organisation.name")
    organisations = serializers.IntegerField(help_text="有应开会议的党组织数")
    compliant = serializers.IntegerField(help_text="其中无缺项的")
    share = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    due_cells = serializers.IntegerField()
    done_cells = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    missing_cells = serializers.IntegerField()
    low_cells = serializers.IntegerField()
    invalid_decisions = serializers.IntegerField()


class SummarySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    rollup = RollupSerializer()
    children = RollupSerializer(many=True)


# --- views ----------------------------------------------------------------------------------


def _organisation(user, pk: int | None) -> Organisation:
    """The organisation asked for (out of scope: 404), or the caller's topmost one."""
    visible = Organisation.objects.visible_to(user)
    if pk is not None:
        return get_object_or_404(visible, pk=pk)
    found = visible.order_by("depth", "path").first()
    if found is None:
        raise NotFound
    return found


class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Meetings visible to the caller, newest first, with their attendance summary."""

    serializer_class = MeetingSerializer
    permission_classes = PARTY_DATA
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Meeting.objects.none()
        participations = Prefetch(
            "participations", queryset=MeetingOrganisation.objects.order_by("organisation_id")
        )
        if self.action == "retrieve":
            return (
                selectors.meetings_visible(self.request.user)
                .select_related("organisation")
                .prefetch_related(
                    participations,
                    "attendances",
                    Prefetch("decisions", queryset=Decision.objects.order_by("id")),
                )
            )
        params = MeetingQuery.parse(self.request)
        if "organisation" in params:
            _organisation(self.request.user, params["organisation"])  # out of scope: 404
        _chosen, queryset = selectors.meeting_list(
            self.request.user, {k: str(v) for k, v in params.items()}
        )
        return queryset.prefetch_related(participations)

    def get_serializer_class(self):
        return MeetingDetailSerializer if self.action == "retrieve" else MeetingSerializer

    @extend_schema(parameters=[MeetingQuery])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class ComplianceViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Compliance cells of an organisation's subtree (default: the caller's topmost
    organisation) in a year (default: this year), in tree, kind and period order."""

    serializer_class = ComplianceSerializer
    permission_classes = PARTY_DATA

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema, built without a caller
            return ComplianceResult.objects.none()
        params = ComplianceQuery.parse(self.request)
        organisation = _organisation(self.request.user, params.get("organisation"))
        year = params.get("year") or timezone.localdate().year
        cells = selectors.compliance_rows(self.request.user, organisation, year).select_related(
            "rule__rule_set"
        )
        if "month" in params:
            day = date(year, params["month"], 1)
            cells = cells.filter(period_start__lte=day, period_end__gte=day)
        if "status" in params:
            cells = cells.filter(status=params["status"])
        return cells

    @extend_schema(parameters=[ComplianceQuery])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class ComplianceSummary(APIView):
    """An organisation's subtree roll-up for a year and each visible child's (from the summary
    table, as the dashboard)."""

    permission_classes = PARTY_DATA

    @extend_schema(
        parameters=[SummaryQuery],
        responses={
            200: SummarySerializer,
            404: OpenApiResponse(description="The organisation is not in the caller's scope."),
        },
    )
    def get(self, request):
        params = SummaryQuery.parse(request)
        organisation = _organisation(request.user, params.get("organisation"))
        year = params.get("year") or timezone.localdate().year
        data = {
            "year": year,
            "rollup": selectors.rollup_for(request.user, organisation, year),
            "children": selectors.child_rollups(request.user, organisation, year),
        }
        return Response(SummarySerializer(data).data)
