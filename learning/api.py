"""The learning app's REST endpoints (API v1, token auth, in the OpenAPI schema): a member's
yearly study-hour account and its ledger entries, an organisation's progress (members done /
on track / behind and plan completion: what assessment may read, no ranking of people), and
external training entered by a secretary through the same service as the page.

Scoping as everywhere: the member through `Member.objects.visible_to` (a member reads their own
account), the entry and the organisation through `editable_by`; out of scope is a 404. Input
and output serializers are separate; a bad value is a 400 naming the field in Chinese."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from api.permissions import PARTY_DATA
from organisations.models import Member, Organisation

from . import selectors, services
from .models import ExternalTraining, StudyRecord

ID = "[0-9]{1,18}"
YEAR_PARAMETER = OpenApiParameter(
    "year", int, description="年度（2000–2100），缺省为今年", required=False
)


def _validated(serializer: serializers.Serializer) -> dict:
    """The serializer's data, or a 400 whose every message starts with its field's label, as
    the pages say them ("学时：请确保该值大于或者等于 0.5。")."""
    if serializer.is_valid():
        return dict(serializer.validated_data)
    errors = {}
    for name, messages in serializer.errors.items():
        field = serializer.fields.get(name)
        label = str(field.label) if field is not None and field.label else ""
        errors[name] = [
            str(m) if not label or str(m).startswith(f"{label}：") else f"{label}：{m}"
            for m in messages
        ]
    raise ValidationError(errors)


YEAR_MESSAGE = _("年度：请输入 2000 至 2100 之间的年份。")


class YearSerializer(serializers.Serializer):
    # ASCII digits only: int() would also read "２０２６".
    year = serializers.RegexField(
        r"^[0-9]{4}\Z",
        label=_("年度"),
        required=False,
        error_messages={"invalid": YEAR_MESSAGE},
    )

    def validate_year(self, value: str) -> int:
        if not 2000 <= int(value) <= 2100:
            raise serializers.ValidationError(YEAR_MESSAGE)
        return int(value)


def _year(request) -> int:
    return _validated(YearSerializer(data=request.query_params)).get("year") or (
        timezone.localdate().year
    )


class StudyAccountSerializer(serializers.Serializer):
    """A member's year: hours against the requirement (32 or 56 by the seat held on 1 January),
    why that requirement, and any change of role within the year."""

    member = serializers.IntegerField()
    name = serializers.CharField()
    year = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    requirement = serializers.DecimalField(max_digits=6, decimal_places=2)
    requirement_reason = serializers.CharField()
    changes = serializers.ListField(child=serializers.CharField())
    remaining = serializers.DecimalField(max_digits=8, decimal_places=2)
    status = serializers.ChoiceField(choices=list(selectors.STATUS_LABELS))
    status_label = serializers.CharField()


def _account(status_: selectors.MemberYear) -> dict:
    return {
        "member": status_.member.pk,
        "name": status_.member.name,
        "year": status_.year,
        "hours": status_.hours,
        "requirement": status_.requirement.hours,
        "requirement_reason": str(status_.requirement.reason),
        "changes": [str(c) for c in status_.requirement.changes],
        "remaining": status_.remaining,
        "status": status_.status,
        "status_label": status_.status_label,
    }


class StudyRecordSerializer(serializers.ModelSerializer):
    """A ledger entry. A correction is a reversing entry (`reverses`, negative hours); an
    entry is never edited."""

    organisation = serializers.IntegerField(source="organisation_id")
    reverses = serializers.IntegerField(source="reverses_id", allow_null=True)
    source_kind_label = serializers.CharField(source="get_source_kind_display")

    class Meta:
        model = StudyRecord
        fields = [
            "id",
            "member",
            "organisation",
            "year",
            "on",
            "hours",
            "source_kind",
            "source_kind_label",
            "source_type",
            "source_id",
            "description",
            "reverses",
            "created_at",
        ]


class ExternalTrainingInputSerializer(serializers.Serializer):
    """外部培训: what a secretary enters (the page's form, less the optional file)."""

    title = serializers.CharField(label=_("培训名称"), max_length=120)
    provider = serializers.CharField(label=_("举办单位"), max_length=120)
    on = serializers.DateField(label=_("结业日期"))
    hours = serializers.DecimalField(
        label=_("学时"),
        min_value=Decimal("0.5"),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=1,
    )
    evidence = serializers.CharField(label=_("证明材料"), max_length=300)


class ExternalTrainingSerializer(serializers.ModelSerializer):
    member = serializers.IntegerField(source="member_id")

    class Meta:
        model = ExternalTraining
        fields = ["id", "member", "title", "provider", "on", "hours", "evidence", "entered_at"]


class ProgressItemSerializer(serializers.Serializer):
    course = serializers.IntegerField()
    course_title = serializers.CharField()
    plan = serializers.IntegerField()
    due_on = serializers.DateField()
    members_finished = serializers.IntegerField()


class OrganisationProgressSerializer(serializers.Serializer):
    """What assessment may read of learning: counts by organisation, never a person."""

    organisation = serializers.IntegerField()
    year = serializers.IntegerField()
    members = serializers.IntegerField()
    done = serializers.IntegerField()
    on_track = serializers.IntegerField()
    behind = serializers.IntegerField()
    computed_at = serializers.DateTimeField(allow_null=True)
    plan_items = ProgressItemSerializer(many=True)


class StudyMemberViewSet(viewsets.GenericViewSet):
    """学时: a member's yearly account and ledger; a secretary's external-training entry."""

    permission_classes = PARTY_DATA
    lookup_value_regex = ID
    serializer_class = StudyAccountSerializer

    def get_queryset(self):
        return Member.objects.visible_to(self.request.user).select_related("organisation")

    @extend_schema(parameters=[YEAR_PARAMETER], responses=StudyAccountSerializer)
    @action(detail=True, methods=["get"])
    def hours(self, request, pk=None):
        """The member's study-hour account for a year."""
        year = _year(request)
        member = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(StudyAccountSerializer(_account(selectors.member_year(member, year))).data)

    @extend_schema(parameters=[YEAR_PARAMETER], responses=StudyRecordSerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=StudyRecordSerializer)
    def records(self, request, pk=None):
        """The member's ledger entries in a year, newest first (paginated)."""
        year = _year(request)
        member = get_object_or_404(self.get_queryset(), pk=pk)
        records = selectors.member_records(request.user, member, year)
        page = self.paginate_queryset(records)
        return self.get_paginated_response(StudyRecordSerializer(page, many=True).data)

    @extend_schema(request=ExternalTrainingInputSerializer, responses=ExternalTrainingSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="external-training",
        serializer_class=ExternalTrainingInputSerializer,
    )
    def external_training(self, request, pk=None):
        """A secretary enters training done elsewhere; its hours go into the ledger."""
        member = get_object_or_404(
            Member.objects.editable_by(request.user).select_related("organisation"), pk=pk
        )
        fields = _validated(ExternalTrainingInputSerializer(data=request.data))
        try:
            entry = services.external_training_create(actor=request.user, member=member, **fields)
        except DjangoValidationError as exc:
            raise ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            ) from exc
        except DjangoPermissionDenied as exc:
            raise NotFound from exc
        return Response(ExternalTrainingSerializer(entry).data, status=status.HTTP_201_CREATED)


class StudyOrganisationViewSet(viewsets.GenericViewSet):
    """学时统计 by organisation (those who run it: the committee admin and its secretaries)."""

    permission_classes = PARTY_DATA
    lookup_value_regex = ID
    serializer_class = OrganisationProgressSerializer

    def get_queryset(self):
        return Organisation.objects.editable_by(self.request.user)

    @extend_schema(parameters=[YEAR_PARAMETER], responses=OrganisationProgressSerializer)
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        """Members of the subtree done / on track / behind, and how many finished each course
        of the year's plans: the hourly job's figures where it has run."""
        year = _year(request)
        organisation = get_object_or_404(self.get_queryset(), pk=pk)
        progress = selectors.stored_progress(
            request.user, organisation, year
        ) or selectors.organisation_year_progress(request.user, organisation, year)
        items = selectors.organisation_plan_completion(request.user, organisation, year)
        return Response(
            OrganisationProgressSerializer(
                {
                    "organisation": organisation.pk,
                    "year": year,
                    "members": progress.members,
                    "done": progress.done,
                    "on_track": progress.on_track,
                    "behind": progress.behind,
                    "computed_at": progress.computed_at,
                    "plan_items": [
                        {
                            "course": row.item.course_id,
                            "course_title": row.item.course.title,
                            "plan": row.item.plan_id,
                            "due_on": row.item.due_on,
                            "members_finished": row.finished,
                        }
                        for row in items
                    ],
                }
            ).data
        )
