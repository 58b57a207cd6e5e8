"""The organisations app's own rows in the URL walk (core/tests/test_url_access.py)."""

from core.tests.url_walk import party

ROUTES = {
    # Scoped by its answer (test_organisation_search.py), like the member list.
    "organisations:organisation_search": ("get", None, party()),
}
