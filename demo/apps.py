from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo prefecture (`manage.py seed`, `manage.py demo_logins`): realistic organisations,
    members and one account per role, built through each app's own services and builders. It
    sits above every app and nothing depends on it."""

    name = "demo"
    verbose_name = "demo"
