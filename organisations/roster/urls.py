"""Included by organisations.urls, so the names live in the `organisations` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("organisations/<int:pk>/roster/", views.roster_upload, name="roster_upload"),
    path("roster/<str:code>/", views.roster_batch, name="roster_batch"),
    path("roster/<str:code>/columns/", views.roster_columns, name="roster_columns"),
    path("roster/<str:code>/apply/", views.roster_apply, name="roster_apply"),
    path("roster/<str:code>/rollback/", views.roster_rollback, name="roster_rollback"),
    path("roster/<str:code>/rejected.xlsx", views.roster_rejected, name="roster_rejected"),
    path("members/roster-template.xlsx", views.roster_template, name="roster_template"),
]
