"""The one place that decides who sees which party data (scoping policy).

Every organisation-owned queryset's `visible_to(user)` / `editable_by(user)` asks `scope_for`
and turns the answer into a filter; views and the API never scope by hand.
"""

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from accounts.models import User

    from .models import Organisation


class Reach(Enum):
    ALL = "all"  # the whole committee's tree
    SUBTREE = "subtree"  # one organisation and everything under it
    SELF = "self"  # a member's own record and own organisation
    NOTHING = "nothing"


@dataclass(frozen=True)
class Scope:
    reach: Reach
    path: str = ""
    organisation_id: int | None = None
    member_id: int | None = None


NOTHING = Scope(Reach.NOTHING)


def scope_for(user: "User | AnonymousUser | None", *, write: bool = False) -> Scope:
    """What `user` may read (or, with write=True, change) of organisations and members."""
    from accounts.models import Role

    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.role == Role.COMMITTEE_ADMIN:
        return Scope(Reach.ALL)
    if user.role == Role.SECRETARY and user.organisation is not None:
        # One query per request at most: the related object is cached on the user.
        organisation = user.organisation
        return Scope(Reach.SUBTREE, path=organisation.path, organisation_id=organisation.pk)
    if user.role == Role.MEMBER and not write and user.member is not None:
        member = user.member
        return Scope(Reach.SELF, organisation_id=member.organisation_id, member_id=member.pk)
    # Auditors and security officers never read party data (三员分立).
    return NOTHING


def organisation_q(scope: Scope, prefix: str = "") -> Q:
    if scope.reach is Reach.ALL:
        return Q()
    if scope.reach is Reach.SUBTREE:
        return Q(**{f"{prefix}path__startswith": scope.path})
    if scope.reach is Reach.SELF:
        return Q(**{f"{prefix}pk": scope.organisation_id})
    return Q(pk__in=[])


def subtree_ids(path: str) -> "QuerySet[Organisation, dict[str, Any]]":
    """The ids of the organisations under `path` (itself included), as a subquery.

    Members are matched with `organisation_id IN (…)` rather than a join on the path: the
    database then seeks the (organisation, status, name_pinyin) index per organisation
    instead of walking every active member and joining each to test its path."""
    from .models import Organisation

    return Organisation.objects.filter(path__startswith=path).order_by().values("pk")


def member_q(scope: Scope, prefix: str = "") -> Q:
    if scope.reach is Reach.ALL:
        return Q()
    if scope.reach is Reach.SUBTREE:
        return Q(**{f"{prefix}organisation__in": subtree_ids(scope.path)})
    if scope.reach is Reach.SELF:
        return Q(**{f"{prefix}pk": scope.member_id})
    return Q(pk__in=[])


def can_edit(user: "User | AnonymousUser | None", organisation: "Organisation") -> bool:
    """Whether `user` may change `organisation` and its members: the write scope, decided
    from the organisation's path without a query."""
    scope = scope_for(user, write=True)
    if scope.reach is Reach.ALL:
        return True
    return scope.reach is Reach.SUBTREE and organisation.path.startswith(scope.path)


def can_reveal_personal_data(user: "User | AnonymousUser | None") -> bool:
    """Only those who may edit a member may ask to see the clear ID number."""
    return scope_for(user, write=True).reach in (Reach.ALL, Reach.SUBTREE)
