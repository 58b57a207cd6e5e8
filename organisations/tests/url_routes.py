"""The organisation tree's newer rows in the URL walk (core/tests/test_url_access.py)."""

from core.tests.url_walk import scoped

ROUTES = {
    "organisations:organisation_children": (
        "get",
        lambda s: {"pk": s.organisation.pk},
        scoped(member=200),
    ),
}
