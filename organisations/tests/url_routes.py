"""The organisation tree's newer rows in the URL walk (core/tests/test_url_access.py)."""

from core.tests.url_walk import LOGIN, PERSONAS, party, scoped

# 撤销: whoever may change the organisation above. Side a's organisation is branch_a, under
# secretary_a's own org_a; side b's is org_b itself, whose parent secretary_b may not change.
_NONE = {**{p: 404 for p in PERSONAS}, "anonymous": LOGIN}
DISSOLVE = {
    "a": {**_NONE, "admin": 200, "secretary_a": 200},
    "b": {**_NONE, "admin": 200},
}

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
    "organisations:organisation_dissolve": ("get", lambda s: {"pk": s.organisation.pk}, DISSOLVE),
}
