"""The channel's REST endpoints (DRF, in the OpenAPI schema): the public submit and track
(for a WeChat mini-program or a 12345 hotline hand-over: no account, the same limits and
moderation as the web form), and the handlers' list, detail and state changes under the usual
token auth and scope."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import PARTY_DATA
from core import network

from . import selectors, services
from .forms import PHONE, plain_text
from .models import Area, Category, Request, Status


class PublicSubmitSerializer(serializers.Serializer):
    category = serializers.PrimaryKeyRelatedField(
        label=_("类别"), queryset=Category.objects.filter(active=True)
    )
    area = serializers.PrimaryKeyRelatedField(
        label=_("村（社区）"), queryset=Area.objects.filter(active=True)
    )
    title = serializers.CharField(label=_("标题"), max_length=100)
    text = serializers.CharField(label=_("内容"), max_length=5000)
    name = serializers.CharField(label=_("姓名"), max_length=40, required=False, allow_blank=True)
    phone = serializers.CharField(
        label=_("联系电话"), max_length=20, required=False, allow_blank=True
    )
    website = serializers.CharField(required=False, allow_blank=True, max_length=200)

    def validate_phone(self, value):
        value = "".join(value.split())
        if value and not PHONE.match(value):
            raise serializers.ValidationError(
                "联系电话：格式不正确，请填写手机号或带区号的座机号。"
            )
        return value

    def validate(self, attrs):
        for name in ("title", "text", "name"):
            if name in attrs:
                attrs[name] = plain_text(attrs[name])
        if not attrs["title"] or not attrs["text"]:
            raise serializers.ValidationError({"text": [_("内容：不能为空。")]})
        return attrs


class PublicStatusSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    category = serializers.CharField()
    area = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    answer_due = serializers.DateTimeField(allow_null=True)
    answer = serializers.CharField(allow_blank=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    rating = serializers.CharField(allow_blank=True)


def public_status(req: Request) -> dict:
    """What the public may know of its own request: a held one reads as received."""
    approved = req.answer_approved
    return {
        "code": req.code,
        "status": str(req.public_status),
        "status_label": str(req.public_status_label),
        "category": req.category.name,
        "area": req.area.name,
        "submitted_at": req.submitted_at,
        "answer_due": req.answer_due if req.status not in (Status.HELD, Status.SPAM) else None,
        "answer": req.public_answer if approved else "",
        "answered_at": req.answered_at if approved else None,
        "rating": req.rating,
    }


class PublicRequestSubmit(APIView):
    """Submit a request without an account; returns the tracking code and public status."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=PublicSubmitSerializer, responses={201: PublicStatusSerializer})
    def post(self, request):
        data = PublicSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        try:
            req = services.request_submit(
                category=fields["category"],
                area=fields["area"],
                title=fields["title"],
                text=fields["text"],
                name=fields.get("name", ""),
                phone=fields.get("phone", ""),
                honeypot=fields.get("website", ""),
                address=network.client_ip(request),
                channel="api",
                http_request=request,
            )
        except services.RateLimited as exc:
            raise Throttled(detail=_("提交过于频繁，请稍后再试。")) from exc
        except DjangoValidationError as exc:
            raise ValidationError(exc.messages) from exc
        return Response(PublicStatusSerializer(public_status(req)).data, status=201)


class PublicRequestTrack(APIView):
    """The status the public sees of a request, by its tracking code."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses=PublicStatusSerializer)
    def get(self, request, code):
        req = get_object_or_404(
            Request.objects.select_related("category", "area"), code=code.upper()[:16]
        )
        return Response(PublicStatusSerializer(public_status(req)).data)


class RequestSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.name")
    area = serializers.CharField(source="area.name")
    overdue = serializers.BooleanField()

    class Meta:
        model = Request
        fields = [
            "id",
            "code",
            "kind",
            "category",
            "area",
            "organisation",
            "status",
            "title",
            "text",
            "name",
            "phone_masked",
            "submitted_at",
            "accept_due",
            "answer_due",
            "overdue",
            "public_answer",
            "rating",
        ]


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(label=_("操作"), choices=Status.choices)
    reason = serializers.CharField(
        label=_("理由"), max_length=300, required=False, allow_blank=True
    )
    answer = serializers.CharField(
        label=_("公开答复"), max_length=5000, required=False, allow_blank=True
    )
    transferred_to = serializers.CharField(
        label=_("转办单位"), max_length=100, required=False, allow_blank=True
    )


class RequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Requests of the caller's subtree, out of moderation, newest first."""

    serializer_class = RequestSerializer
    permission_classes = PARTY_DATA
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        return selectors.handler_requests(self.request.user).order_by("-submitted_at", "-pk")

    @extend_schema(request=TransitionSerializer, responses=RequestSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        req = get_object_or_404(self.get_queryset(), pk=pk)
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        try:
            req = services.request_transition(
                actor=request.user,
                req=req,
                to=fields["to"],
                reason=plain_text(fields.get("reason", "")),
                answer=plain_text(fields.get("answer", "")),
                transferred_to=plain_text(fields.get("transferred_to", "")),
                http_request=request,
            )
        except DjangoValidationError as exc:
            raise ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            ) from exc
        except DjangoPermissionDenied as exc:
            raise NotFound from exc
        return Response(RequestSerializer(req).data, status=status.HTTP_200_OK)
