from django.urls import path

from . import views

app_name = "outreach"
urlpatterns = [
    # The public: no account.
    path("masses/", views.public_home, name="submit"),
    path("masses/wish/", views.public_wish_submit, name="wish_submit"),
    path("masses/track/", views.track_lookup, name="track_lookup"),
    path("masses/track/<str:code>/", views.track, name="track"),
    path("masses/track/<str:code>/rate/", views.rate, name="rate"),
    path("masses/track/<str:code>/confirm/", views.wish_confirm, name="wish_confirm"),
    path("masses/answered/", views.answered, name="answered"),
    path("masses/statistics/", views.statistics, name="statistics"),
    path("masses/wishes/", views.wishes, name="wishes"),
    path("masses/consultations/", views.consultations, name="consultations"),
    path("masses/consultations/<str:code>/", views.consultation, name="consultation"),
    # Handlers.
    path("outreach/requests/", views.handle_list, name="handle_list"),
    path("outreach/requests/<int:pk>/", views.handle_detail, name="handle_detail"),
    path("outreach/requests/<int:pk>/action/", views.handle_action, name="handle_action"),
    path("outreach/requests/<int:pk>/reassign/", views.handle_reassign, name="handle_reassign"),
    path("outreach/requests/<int:pk>/note/", views.handle_note, name="handle_note"),
    path("outreach/requests/<int:pk>/approve/", views.handle_approve, name="handle_approve"),
    path("outreach/images/<int:pk>/", views.request_image, name="request_image"),
    path("outreach/triage/", views.triage, name="triage"),
    path("outreach/moderation/", views.moderation, name="moderation"),
    path(
        "outreach/moderation/<int:pk>/<str:decision>/",
        views.moderate,
        name="moderate",
    ),
    path("outreach/settings/", views.settings_page, name="settings"),
    path("outreach/rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("outreach/areas/new/", views.area_create, name="area_create"),
    path("outreach/categories/<int:pk>/", views.category_update, name="category_update"),
    path("outreach/workdays/", views.workday_save, name="workday_save"),
    path("outreach/wishes/<int:pk>/claim/", views.wish_claim, name="wish_claim"),
    path("outreach/wishes/<int:pk>/fulfil/", views.wish_fulfil, name="wish_fulfil"),
    path("outreach/wishes/mine/", views.my_wishes, name="my_wishes"),
    path("outreach/consultations/", views.consultation_list, name="consultation_list"),
    path("outreach/consultations/new/", views.consultation_create, name="consultation_create"),
    path("outreach/consultations/<int:pk>/", views.consultation_manage, name="consultation_manage"),
    path(
        "outreach/consultations/<int:pk>/export/",
        views.consultation_export,
        name="consultation_export",
    ),
    path("outreach/responses/<int:pk>/release/", views.response_release, name="response_release"),
]
