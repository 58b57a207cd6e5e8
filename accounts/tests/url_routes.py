"""The account requests' rows in the URL walk (core/tests/test_url_access.py)."""

from accounts.models import AccountRequest
from core.tests.url_walk import LOGIN, PERSONAS, both, only

REQUESTERS = {
    **{p: 404 for p in PERSONAS},
    "anonymous": LOGIN,
    "admin": 200,
    "secretary_a": 200,
    "secretary_b": 200,
}


def side_objects(world, side, base):
    return {
        "account_request": AccountRequest.objects.create(
            member=base.member,
            organisation=base.member.organisation,
            name=base.member.name,
            requested_by=base.secretary,
        )
    }


ROUTES = {
    "accounts:account_requests": ("get", None, REQUESTERS),
    "accounts:account_sheet": ("get", None, REQUESTERS),
    "accounts:account_request_queue": ("get", None, only("security")),
    "accounts:account_request_reject": (
        "post",
        lambda s: {"pk": s.account_request.pk},
        both(only("security", 302)),
    ),
}
