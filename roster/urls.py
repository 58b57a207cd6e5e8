"""Roster import and export (花名册)."""

from django.urls import path

from . import views

app_name = "roster"
urlpatterns = [
    path("members/export/", views.member_export, name="member_export"),
    path("organisations/<int:pk>/roster/", views.roster_upload, name="roster_upload"),
    path("roster/<str:code>/", views.roster_batch, name="roster_batch"),
    path("roster/<str:code>/columns/", views.roster_columns, name="roster_columns"),
    path(
        "roster/<str:code>/organisations/",
        views.roster_organisations,
        name="roster_organisations",
    ),
    path("roster/<str:code>/apply/", views.roster_apply, name="roster_apply"),
    path("roster/<str:code>/rollback/", views.roster_rollback, name="roster_rollback"),
    path("roster/<str:code>/retry/", views.roster_retry, name="roster_retry"),
    path("roster/<str:code>/rejected.xlsx", views.roster_rejected, name="roster_rejected"),
    path("members/roster-template.xlsx", views.roster_template, name="roster_template"),
    path("roster/exports/<str:code>/", views.roster_export, name="roster_export"),
    path(
        "roster/exports/<str:code>/download/",
        views.roster_export_download,
        name="roster_export_download",
    ),
    path("roster/exports/<str:code>/retry/", views.roster_export_retry, name="roster_export_retry"),
]
