from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/calendar/", views.meeting_calendar, name="meeting_calendar"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/register.xlsx", views.meeting_register, name="meeting_register"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_update, name="meeting_update"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("meetings/<int:pk>/attendance/", views.meeting_attendance, name="meeting_attendance"),
    path("meetings/<int:pk>/decisions/new/", views.decision_create, name="decision_create"),
    path("meetings/<int:pk>/minutes.pdf", views.meeting_pdf, name="meeting_pdf"),
    path("meetings/<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("meetings/attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("meetings/compliance/", views.compliance_dashboard, name="compliance_dashboard"),
    path("meetings/compliance.xlsx", views.compliance_export, name="compliance_export"),
    path(
        "meetings/members/<int:pk>/attendance/", views.member_attendance, name="member_attendance"
    ),
    path("meetings/my-calendar/", views.my_calendar, name="my_calendar"),
    path("meetings/feed/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("meetings/rules/", views.rule_set_list, name="rule_set_list"),
    path("meetings/rules/<int:pk>/new/", views.rule_set_create, name="rule_set_create"),
]
