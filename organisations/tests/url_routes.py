"""The organisation tree's newer rows in the URL walk (core/tests/test_url_access.py)."""

from core.tests.url_walk import party, scoped

ROUTES = {
    # Scoped by its answer (test_organisation_search.py), like the member list.
    "organisations:organisation_search": ("get", None, party()),
    # The position form's member picker: only for those who may change the organisation.
    "organisations:position_member_search": (
        "get",
        lambda s: {"pk": s.subtree_root.pk},
        scoped(),
    ),
    "organisations:organisation_children": (
        "get",
        lambda s: {"pk": s.organisation.pk},
        scoped(member=200),
    ),
}
