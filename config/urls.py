from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("", include("accounts.urls")),
    path("", include("organisations.urls")),
    path("", include("roster.urls")),
    path("", include("audit.urls")),
    path("", include("meetings.urls")),
    path("", include("learning.urls")),
    path("", include("outreach.urls")),
    path("api/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
if settings.BENCH_REFERENCE_PAGE:
    # The benchmark's ceiling page (bench/reference_page.py), never routed in production.
    from bench import reference_page

    urlpatterns.append(path("bench/reference/", reference_page.reference, name="bench_reference"))
if settings.DJANGO_ADMIN_ENABLED:
    urlpatterns.append(path("django-admin/", admin.site.urls))
