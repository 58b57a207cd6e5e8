"""Encryption at rest for personal identifiers, with the keys from the environment.

Values are Fernet tokens (AES-128-CBC + HMAC); lookups use a keyed HMAC digest so that an
equality search never needs the plaintext in the database.

Keys: FIELD_ENCRYPTION_KEY encrypts and digests; FIELD_ENCRYPTION_OLD_KEYS (during a key
rotation only) can still decrypt. `manage.py rotate_encryption_key` re-encrypts every
encrypted column under the current key and recomputes its digests. A model declares its
encrypted columns as `encrypted_fields = {"token_column": "digest_column" or None}` so the
rotation finds them without knowing the apps.

A wrong key must not go unnoticed: a page would be served, a reveal would fail, and new members
would be written under the wrong key with digests that no longer find duplicates. So the
database keeps a check value (core.models.KeyCheck) and `verify_key()` refuses to start the
application when the current key does not read it.
"""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# What the check row encrypts and digests; not a secret.
CHECK_PLAINTEXT = "dangjian-key-check"


class KeyMismatch(ImproperlyConfigured):
    """The configured key cannot read what the database holds."""


def _key(value: str) -> Fernet:
    try:
        return Fernet(value.encode())
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY (and each FIELD_ENCRYPTION_OLD_KEYS entry) must be 32 url-safe "
            "base64-encoded bytes: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        ) from exc


@lru_cache(maxsize=4)
def _current(key: str) -> Fernet:
    return _key(key)


@lru_cache(maxsize=4)
def _readers(key: str, old_keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_key(key), *(_key(old) for old in old_keys)])


def _old_keys() -> tuple[str, ...]:
    return tuple(settings.FIELD_ENCRYPTION_OLD_KEYS)


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return _current(settings.FIELD_ENCRYPTION_KEY).encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """The plaintext of a token written under the current key or an old one still listed."""
    if not token:
        return ""
    try:
        reader = _readers(settings.FIELD_ENCRYPTION_KEY, _old_keys())
        return reader.decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise KeyMismatch(
            "A stored value cannot be decrypted with FIELD_ENCRYPTION_KEY: the key changed?"
        ) from exc


def reads_with_current_key(token: str) -> bool:
    try:
        _current(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def digest(plaintext: str) -> str:
    """Keyed digest for equality lookups (e.g. finding a member by ID number)."""
    key = hashlib.sha256(b"lookup:" + settings.FIELD_ENCRYPTION_KEY.encode()).digest()
    return hmac.new(key, plaintext.encode(), hashlib.sha256).hexdigest()


def verify_key() -> None:
    """Refuse to go on when FIELD_ENCRYPTION_KEY cannot read the database's check value.

    The first call on a new database writes the check value. Called when the web application
    and the task worker start (config/wsgi.py, core.checks)."""
    from .models import KeyCheck

    check = KeyCheck.objects.first()
    if check is None:
        KeyCheck.objects.create(token=encrypt(CHECK_PLAINTEXT), digest=digest(CHECK_PLAINTEXT))
        return
    if reads_with_current_key(check.token) and check.digest == digest(CHECK_PLAINTEXT):
        return
    try:
        readable_with_old = decrypt(check.token) == CHECK_PLAINTEXT
    except KeyMismatch:
        readable_with_old = False
    if readable_with_old:
        raise KeyMismatch(
            "FIELD_ENCRYPTION_KEY is new and the data is still under an old key: run "
            "`python manage.py rotate_encryption_key` (see docs/operations.md) before starting."
        )
    raise KeyMismatch(
        "FIELD_ENCRYPTION_KEY does not match the key this database was written with. Restore "
        "the key that belongs to this database (it is kept with the backups); starting with a "
        "wrong key would write new records that can never be read together with the old ones."
    )
