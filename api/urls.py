from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("members", views.MemberViewSet, basename="member")

app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("v1/docs/", views.ApiDocsView.as_view(url_name="api:schema"), name="docs"),
    # Last: the rest ending in a slash (without one, APPEND_SLASH redirects here first).
    re_path(r"^[\s\S]*/$", views.not_found),
]
