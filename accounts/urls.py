from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("api-token/", views.api_token, name="api_token"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:pk>/", views.account_update, name="account_update"),
    path("accounts/<int:pk>/reset/", views.account_reset_password, name="account_reset_password"),
    path("account-requests/", views.account_requests, name="account_requests"),
    path("account-requests/sheet/", views.account_sheet, name="account_sheet"),
    path("account-requests/issue/", views.account_request_queue, name="account_request_queue"),
    path(
        "account-requests/<int:pk>/reject/",
        views.account_request_reject,
        name="account_request_reject",
    ),
    path("lockouts/", views.lockout_list, name="lockouts"),
    path("sessions/", views.session_list, name="sessions"),
]
