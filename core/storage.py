"""Where uploads and generated files live: the "default" and "private" storages.

Both are switched together by FILE_STORAGE (config/settings.py, .env.example):

- "filesystem": "default" under MEDIA_ROOT, "private" under PRIVATE_MEDIA_ROOT (owner-only).
  With several app servers or workers on other machines, both folders are one shared mount
  (NFS or similar).
- "s3": S3-compatible object storage through django-storages (MinIO, Ceph RGW, a cloud's OSS),
  "default" under uploads/ and "private" under private/ of their buckets, never public:
  every object is private and every link the app hands out is signed and short-lived.

Code never assumes a local path: it reads and writes through the storage API
(`storages["private"].open(name)`), and `local_copy()` gives a parser that needs a real file
(openpyxl, calamine) a temporary copy when the storage has no paths.
"""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.utils.functional import cached_property

PRIVATE = "private"


def file_storages(
    *,
    kind: str,
    bucket: str = "",
    private_bucket: str = "",
    endpoint_url: str = "",
    region: str = "",
    access_key: str = "",
    secret_key: str = "",
    addressing_style: str = "path",
) -> dict[str, dict]:
    """The STORAGES entries "default" and "private" for FILE_STORAGE=`kind`."""
    if kind == "filesystem":
        return {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            PRIVATE: {"BACKEND": "core.storage.PrivateFileSystemStorage"},
        }
    if kind == "s3":
        if not bucket:
            raise ValueError("FILE_STORAGE=s3 needs S3_BUCKET (and usually S3_ENDPOINT_URL).")
        common = {
            "endpoint_url": endpoint_url or None,
            "region_name": region or None,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "addressing_style": addressing_style or None,
            "signature_version": "s3v4",
            # Never public: objects carry no ACL of their own; links are signed, 5 minutes.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            # A name already taken gets a suffix instead of replacing another's file.
            "file_overwrite": False,
        }
        return {
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {**common, "bucket_name": bucket, "location": "uploads"},
            },
            PRIVATE: {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {**common, "bucket_name": private_bucket or bucket, "location": PRIVATE},
            },
        }
    raise ValueError(f"FILE_STORAGE={kind!r}: use filesystem or s3.")


class PrivateFileSystemStorage(FileSystemStorage):
    """Files only the app serves, under PRIVATE_MEDIA_ROOT (read when first used, so a test's
    own folder applies), readable by the server account only."""

    def __init__(self, **kwargs):
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        super().__init__(**kwargs)

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


def has_paths(storage: Storage) -> bool:
    """Whether the storage's files are local files (other storages may answer path() with a
    name that is no file: Django's InMemoryStorage does)."""
    return isinstance(storage, FileSystemStorage)


@contextmanager
def local_copy(storage: Storage, name: str, suffix: str = "") -> Iterator[Path]:
    """A local path holding the stored file `name`: the file itself on a filesystem storage,
    else a private temporary copy removed on exit. Raises OSError when the file is gone."""
    if has_paths(storage):
        path = Path(storage.path(name))
        if not path.exists():
            raise FileNotFoundError(name)
        yield path
        return
    if not storage.exists(name):
        raise FileNotFoundError(name)
    with tempfile.NamedTemporaryFile(suffix=suffix or Path(name).suffix) as copy:
        with storage.open(name, "rb") as source:
            shutil.copyfileobj(source, copy, length=1024 * 1024)
        copy.flush()
        yield Path(copy.name)
