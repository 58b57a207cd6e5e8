import pytest


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Attachments of the tests go to the test's own folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
