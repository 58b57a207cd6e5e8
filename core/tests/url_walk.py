"""The URL walk's vocabulary: personas, sides and expected-status tables.

Shared by core/tests/test_url_access.py and each app's `tests/url_routes.py`."""

PERSONAS = ["anonymous", "admin", "secretary_a", "secretary_b", "member", "auditor", "security"]
SIDES = ("a", "b")
LOGIN = 302  # anonymous pages redirect to the login page


# --- expected statuses ------------------------------------------------------------------------

ALL_OK = {p: 200 for p in PERSONAS}
SIGNED_IN_OK = {**ALL_OK, "anonymous": LOGIN}
# The API's index and documentation: any signed-in account; they hold no party data.
AUTHENTICATED_API = {**ALL_OK, "anonymous": 401}


def party(ok=200):
    """A party-data page without an object: every party persona, not auditor or security."""
    return {**{p: ok for p in PERSONAS}, "anonymous": LOGIN, "auditor": 404, "security": 404}


def api(ok=200):
    return {**{p: ok for p in PERSONAS}, "anonymous": 401, "auditor": 403, "security": 403}


def only(persona, status=200):
    table = {p: 404 for p in PERSONAS}
    table["anonymous"] = LOGIN
    table[persona] = status
    return table


def scoped(ok=200, member=404, *, base=None):
    """Per side: the admin and that side's secretary get `ok`, the other secretary 404; the
    member persona (a member of branch_a) gets `member` on side a and 404 on side b."""
    base = base or {**{p: 404 for p in PERSONAS}, "anonymous": LOGIN}
    return {
        side: {
            **base,
            "admin": ok,
            "secretary_a": ok if side == "a" else 404,
            "secretary_b": ok if side == "b" else 404,
            "member": member if side == "a" else 404,
        }
        for side in SIDES
    }


def api_scoped(member=404):
    return scoped(member=member, base=api())


def both(table):
    """The same statuses for side a's and side b's object."""
    return {side: table for side in SIDES}


def recipient_only():
    """Each secretary marks their own notification read; everyone else's is 404."""
    return {side: only(f"secretary_{side}", 302) for side in SIDES}
