from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from learning import api as learning_api
from meetings import api as meetings_api
from outreach import api as outreach_api

from . import views

router = DefaultRouter()
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("members", views.MemberViewSet, basename="member")
# Before "meetings/<id>/": the compliance routes are not meeting ids (the id pattern is digits).
router.register(
    "meetings/compliance", meetings_api.ComplianceViewSet, basename="meeting-compliance"
)
router.register("meetings", meetings_api.MeetingViewSet, basename="meeting")
router.register("outreach/requests", outreach_api.RequestViewSet, basename="outreach-request")
router.register("learning/members", learning_api.StudyMemberViewSet, basename="learning-member")
router.register(
    "learning/organisations",
    learning_api.StudyOrganisationViewSet,
    basename="learning-organisation",
)

app_name = "api"
urlpatterns = [
    path(
        "v1/meetings/compliance/summary/",
        meetings_api.ComplianceSummary.as_view(),
        name="meeting-compliance-summary",
    ),
    path("v1/", include(router.urls)),
    # The party–masses channel's public endpoints: no account (outreach.api).
    path(
        "v1/public/requests/",
        outreach_api.PublicRequestSubmit.as_view(),
        name="public-request-submit",
    ),
    path(
        "v1/public/requests/<str:code>/",
        outreach_api.PublicRequestTrack.as_view(),
        name="public-request-track",
    ),
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("v1/docs/", views.ApiDocsView.as_view(url_name="api:schema"), name="docs"),
    # Last: the rest ending in a slash (without one, APPEND_SLASH redirects here first).
    re_path(r"^[\s\S]*/$", views.not_found),
]
