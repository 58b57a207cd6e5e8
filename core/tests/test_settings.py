"""Settings as production reads them: each case starts a fresh interpreter with its environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PROBE = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.TRUSTED_PROXIES)"
)
OVERRIDDEN = ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "TRUSTED_PROXIES")


def start(**env):
    dotenv = ROOT / ".env"
    local = dotenv.read_text() if dotenv.exists() else ""
    if any(f"{name}=" in local for name in OVERRIDDEN):
        pytest.skip(".env sets a value this test checks the default of")
    environment = {k: v for k, v in os.environ.items() if k not in OVERRIDDEN}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY="test-only-secret-key-for-a-settings-probe-0123456789",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_production_redirects_to_https_and_sends_hsts():
    result = start(DEBUG="0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["True", "31536000"]


def test_debug_serves_plain_http():
    result = start(DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["False", "0"]


def test_trusted_proxies_are_read_and_a_bad_one_stops_the_start():
    result = start(DEBUG="0", TRUSTED_PROXIES="127.0.0.1,10.0.0.0/24")
    assert "['127.0.0.1/32', '10.0.0.0/24']" in result.stdout
    result = start(DEBUG="0", TRUSTED_PROXIES="10.0.0.0/24,proxy.local")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr and "proxy.local" in result.stderr


def test_address_threshold_must_exceed_the_account_threshold():
    result = start(DEBUG="0", LOCKOUT_FAILURES="5", LOCKOUT_ADDRESS_FAILURES="5")
    assert result.returncode != 0
    assert "LOCKOUT_ADDRESS_FAILURES" in result.stderr
