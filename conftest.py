"""Suite-wide pytest settings. Fixtures live beside the tests that use them."""

import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Hashing with the production hasher would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_ENABLED = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
