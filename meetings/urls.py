from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("calendar/", views.meeting_calendar, name="meeting_calendar"),
    path("new/", views.meeting_create, name="meeting_create"),
    path("register.xlsx", views.meeting_register, name="meeting_register"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/edit/", views.meeting_update, name="meeting_update"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("<int:pk>/attendance/", views.meeting_attendance, name="meeting_attendance"),
    path("<int:pk>/decisions/new/", views.decision_create, name="decision_create"),
    path("<int:pk>/minutes.pdf", views.meeting_pdf, name="meeting_pdf"),
    path("compliance/", views.compliance_dashboard, name="compliance_dashboard"),
    path("compliance.xlsx", views.compliance_export, name="compliance_export"),
    path("members/<int:pk>/attendance/", views.member_attendance, name="member_attendance"),
    path("my-calendar/", views.my_calendar, name="my_calendar"),
    path("feed/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("rules/", views.rule_set_list, name="rule_set_list"),
    path("rules/<int:pk>/new/", views.rule_set_create, name="rule_set_create"),
]
