"""Encryption at rest for personal identifiers, with the key from the environment.

Values are Fernet tokens (AES-128-CBC + HMAC); lookups use a keyed HMAC digest so that an
equality search never needs the plaintext in the database.
"""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    try:
        return Fernet(key.encode())
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be 32 url-safe base64-encoded bytes (Fernet.generate_key())."
        ) from exc


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored value cannot be decrypted with FIELD_ENCRYPTION_KEY: the key changed?"
        ) from exc


def digest(plaintext: str) -> str:
    """Keyed digest for equality lookups (e.g. finding a member by ID number)."""
    key = hashlib.sha256(b"lookup:" + settings.FIELD_ENCRYPTION_KEY.encode()).digest()
    return hmac.new(key, plaintext.encode(), hashlib.sha256).hexdigest()
