from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404, redirect
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import api_view
from rest_framework.exceptions import (
    AuthenticationFailed,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from rest_framework.response import Response

from organisations import selectors, services
from organisations.filters import MemberFilter, labelled_errors
from organisations.models import Member, Organisation

from .permissions import PARTY_DATA
from .serializers import (
    MemberInputSerializer,
    MemberSerializer,
    MemberUpdateSerializer,
    OrganisationInputSerializer,
    OrganisationSerializer,
)

# Object ids in URLs are decimal numbers: anything else is no such object (404), never an
# error from the database's integer conversion (`/members/AAA/` was a server error).
ID = "[0-9]{1,18}"


def _service_call(func, **kwargs):
    """Run a service; its Django errors become the API's 400 and 404."""
    try:
        return func(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        ) from exc
    except DjangoPermissionDenied as exc:
        raise NotFound from exc


class OrganisationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Organisations visible to the caller, in tree order."""

    serializer_class = OrganisationSerializer
    permission_classes = PARTY_DATA
    lookup_value_regex = ID

    def get_queryset(self):
        return Organisation.objects.visible_to(self.request.user).order_by("path")

    @extend_schema(request=OrganisationInputSerializer, responses=OrganisationSerializer)
    def create(self, request, *args, **kwargs):
        data = OrganisationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        parent = get_object_or_404(
            Organisation.objects.editable_by(request.user), pk=fields.pop("parent")
        )
        organisation = _service_call(
            services.organisation_create,
            actor=request.user,
            parent=parent,
            request=request,
            **fields,
        )
        return Response(OrganisationSerializer(organisation).data, status=status.HTTP_201_CREATED)


class MemberFilterBackend(DjangoFilterBackend):
    """The member list page's own filters (organisations.filters.MemberFilter, its choices
    scoped to the caller), on the list only; they are documented in the schema from the same
    class. Invalid values are a 400 naming each field in Chinese, as on the page."""

    def get_filterset_kwargs(self, request, queryset, view):
        return {**super().get_filterset_kwargs(request, queryset, view), "user": request.user}

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "action", None) != "list":
            return queryset
        member_filter = self.get_filterset(request, queryset, view)
        if not member_filter.is_valid():
            raise ValidationError(labelled_errors(member_filter))
        return member_filter.qs


class MemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Members visible to the caller, with the member list's filters (`q`, `organisation`, ...).

    ID numbers and phones are always masked here."""

    serializer_class = MemberSerializer
    permission_classes = PARTY_DATA
    lookup_value_regex = ID
    filter_backends = [MemberFilterBackend]
    filterset_class = MemberFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.member_list(self.request.user).order_by("name_pinyin", "id")

    def _organisation(self, pk):
        return get_object_or_404(Organisation.objects.editable_by(self.request.user), pk=pk)

    @extend_schema(request=MemberInputSerializer, responses=MemberSerializer)
    def create(self, request, *args, **kwargs):
        data = MemberInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields["organisation"] = self._organisation(fields["organisation"])
        member = _service_call(
            services.member_create, actor=request.user, request=request, **fields
        )
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MemberUpdateSerializer, responses=MemberSerializer)
    def partial_update(self, request, *args, **kwargs):
        member = get_object_or_404(Member.objects.editable_by(request.user), pk=kwargs["pk"])
        data = MemberUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "organisation" in fields:
            fields["organisation"] = self._organisation(fields["organisation"])
        member = _service_call(
            services.member_update, actor=request.user, member=member, request=request, **fields
        )
        return Response(MemberSerializer(member).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)


class ApiDocsView(SpectacularSwaggerSplitView):
    """接口文档: Swagger UI, from drf-spectacular-sidecar's local files (no CDN).

    The start-up script is not inline, which the CSP (scripts from our own origin only) would
    block and leave the page blank: the page loads it from this same URL with `?script`.
    It is a page for the browser, so the anonymous are sent to the login page and an account
    that must change its password to the password form, as everywhere else."""

    def handle_exception(self, exc):
        user = self.request.user
        if isinstance(exc, NotAuthenticated | AuthenticationFailed):
            return redirect_to_login(self.request.get_full_path())
        must_change = user.is_authenticated and user.password_change_due
        if isinstance(exc, PermissionDenied) and must_change:
            return redirect("accounts:password_change")
        return super().handle_exception(exc)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(request, *args, **kwargs):
    """Any other address under /api/ (`/api/v1/members/AAA/`): a JSON 404 like the API's own,
    not the site's HTML page."""
    raise NotFound
