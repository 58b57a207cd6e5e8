"""The audit log's rows in the URL walk (core/tests/test_url_access.py)."""

from core.tests.url_walk import only

ROUTES = {
    "audit:event_export": ("get", None, only("auditor")),
}
