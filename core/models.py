from django.db import models


class KeyCheck(models.Model):
    """A value encrypted and digested under the field encryption key, so that a start with a
    wrong key is refused (core.crypto.verify_key). One row."""

    token = models.TextField()
    digest = models.CharField(max_length=64)
    written_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"key check ({self.written_at:%Y-%m-%d})"
