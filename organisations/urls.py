from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("organisations/", views.organisation_tree, name="organisation_tree"),
    path("organisations/search/", views.organisation_search, name="organisation_search"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path(
        "organisations/<int:pk>/children/",
        views.organisation_children,
        name="organisation_children",
    ),
    path("organisations/<int:pk>/edit/", views.organisation_update, name="organisation_update"),
    path(
        "organisations/<int:parent_pk>/children/new/",
        views.organisation_create,
        name="organisation_create",
    ),
    path(
        "organisations/<int:pk>/dissolve/",
        views.organisation_dissolve,
        name="organisation_dissolve",
    ),
    path("organisations/<int:pk>/positions/new/", views.position_create, name="position_create"),
    path(
        "organisations/<int:pk>/positions/members/",
        views.position_member_search,
        name="position_member_search",
    ),
    path("positions/<int:pk>/end/", views.position_end, name="position_end"),
    path("members/", views.member_list, name="member_list"),
    path("members/new/", views.member_create, name="member_create"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", views.member_update, name="member_update"),
    path("members/<int:pk>/reveal/", views.member_reveal, name="member_reveal"),
]
