"""The one place that decides who sees and changes which party data (scoping policy).

Every organisation-owned model's queryset inherits `ScopedQuerySet`: the model declares once
the path to its organisation (`organisation_path`) and, where a member may see their own rows,
the path to the member (`member_path`); `visible_to(user)` / `editable_by(user)` then ask
`scope_for` and turn the answer into a filter. Views, the API, services and jobs never scope by
hand, and nothing here reads a model module, so the models can import this one.

Rules of the tree that are about who may do what also live here: who may create a root
organisation, which kinds may sit under which, one secretary at a time.
"""

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol, Self, cast

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.actors import Actor, MissingActor, Operator
from core.roles import Role

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import User


class TreeNode(Protocol):
    """What the policy reads of an organisation: its materialised path. (The policy names no
    model class: the models import it.)"""

    path: str


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
EVERYTHING = Scope(Reach.ALL)


def scope_for(user: "Actor | None", *, write: bool = False) -> Scope:
    """What `user` may read (or, with write=True, change) of organisations and members.

    `None` is refused: a caller that forgets the actor must fail, not get the whole tree.
    Commands and jobs pass `core.actors.operator(name)`."""
    if user is None:
        raise MissingActor
    if isinstance(user, Operator):
        return EVERYTHING
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    # Signed in, so an account of AUTH_USER_MODEL (the stubs only know AbstractBaseUser).
    user = cast("User", user)
    if user.role == Role.COMMITTEE_ADMIN:
        return EVERYTHING
    if user.role == Role.SECRETARY and user.organisation_id:
        # One query per request at most: the related object is cached on the user.
        organisation = user.organisation
        assert organisation is not None  # organisation_id is set
        return Scope(Reach.SUBTREE, path=organisation.path, organisation_id=organisation.pk)
    if user.role == Role.MEMBER and not write and user.member is not None:
        member = user.member
        return Scope(Reach.SELF, organisation_id=member.organisation_id, member_id=member.pk)
    # Auditors and security officers never read party data (三员分立).
    return NOTHING


def _organisation_model() -> type[models.Model]:
    # By name, not by import: the models import this module.
    return apps.get_model("organisations", "Organisation")


def subtree_ids(path: str) -> "QuerySet[Any, dict[str, Any]]":
    """The ids of the organisations under `path` (itself included), as a subquery.

    Owned rows are matched with `organisation_id IN (…)` rather than a join on the path: the
    database then seeks an (organisation, …) index per organisation instead of walking every
    row and joining each to test its path."""
    organisations = _organisation_model()._default_manager
    return organisations.filter(path__startswith=path).order_by().values("pk")


def scope_q(model: type[models.Model], scope: Scope) -> Q:
    """The filter that keeps the rows of `model` inside `scope`, from what the model declares:
    `organisation_path` ("" for Organisation itself), optional `member_path` ("" for Member
    itself; rows a member sees as their own) and optional `visible_to_editors_only`."""
    try:
        organisation_path: str = model.organisation_path  # type: ignore[attr-defined]
    except AttributeError:
        raise ImproperlyConfigured(
            f"{model.__name__} uses ScopedQuerySet but declares no organisation_path"
        ) from None
    member_path: str | None = getattr(model, "member_path", None)
    if scope.reach is Reach.ALL:
        return Q()
    if scope.reach is Reach.SUBTREE:
        if organisation_path == "":
            return Q(path__startswith=scope.path)
        return Q(**{f"{organisation_path}__in": subtree_ids(scope.path)})
    if scope.reach is Reach.SELF:
        if member_path is not None:
            return Q(**{member_path or "pk": scope.member_id})
        return Q(**{organisation_path or "pk": scope.organisation_id})
    return Q(pk__in=[])


class ScopedQuerySet(models.QuerySet):
    """Base queryset of every organisation-owned model (in the spirit of NetBox's
    RestrictedQuerySet). Selectors start from `visible_to`; services check `editable_by`."""

    def visible_to(self, user: "Actor | None") -> Self:
        # A model holding data only its editors may read declares `visible_to_editors_only`.
        write = getattr(self.model, "visible_to_editors_only", False)
        return self.filter(scope_q(self.model, scope_for(user, write=write)))

    def editable_by(self, user: "Actor | None") -> Self:
        return self.filter(scope_q(self.model, scope_for(user, write=True)))


def can_edit(user: "Actor | None", organisation: TreeNode) -> bool:
    """Whether `user` may change `organisation` and what it owns: the write scope, decided
    from the organisation's path without a query."""
    scope = scope_for(user, write=True)
    if scope.reach is Reach.ALL:
        return True
    return scope.reach is Reach.SUBTREE and organisation.path.startswith(scope.path)


def sees_subtree(user: "Actor | None") -> bool:
    """Whether `user` reads what lies under an organisation (figures summed over a subtree):
    the committee admin and a secretary do; a member reads their own organisation only."""
    return scope_for(user).reach in (Reach.ALL, Reach.SUBTREE)


def can_dissolve(user: "Actor | None", organisation: TreeNode) -> bool:
    """Whether `user` may dissolve (撤销) `organisation`: whoever may change the organisation
    above it; a root only the committee admin. Decided from the path without a query."""
    scope = scope_for(user, write=True)
    if scope.reach is Reach.ALL:
        return True
    steplen: int = _organisation_model().steplen  # type: ignore[attr-defined]
    parent_path = organisation.path[:-steplen]
    return scope.reach is Reach.SUBTREE and bool(parent_path) and parent_path.startswith(scope.path)


def can_reveal_personal_data(user: "Actor | None") -> bool:
    """Only those who may edit a member may ask to see the clear ID number."""
    return scope_for(user, write=True).reach in (Reach.ALL, Reach.SUBTREE)


def can_create_root(user: "Actor | None") -> bool:
    """Only the committee admin (or the server's operator) founds a new top of the tree."""
    return scope_for(user, write=True).reach is Reach.ALL


# Which kinds of organisation may sit directly under which (党章 and 组织工作条例): a 机关工委
# leads party committees, general branches and branches; a 党小组 has nothing under it.
CHILD_KINDS: dict[str, frozenset[str]] = {
    "committee": frozenset({"party_committee", "general_branch", "branch"}),
    "party_committee": frozenset({"general_branch", "branch"}),
    "general_branch": frozenset({"branch"}),
    "branch": frozenset({"group"}),
    "group": frozenset(),
}
ROOT_KINDS = frozenset({"committee"})


def check_kind_under(parent_kind: str | None, kind: str) -> None:
    """Refuse an organisation of `kind` under a parent of `parent_kind` (None: a root)."""
    allowed = ROOT_KINDS if parent_kind is None else CHILD_KINDS.get(parent_kind, frozenset())
    if kind not in allowed:
        raise ValidationError({"kind": _kind_message(parent_kind, kind)})


def _kind_message(parent_kind: str | None, kind: str) -> str:
    kind_field = _organisation_model()._meta.get_field("kind")
    labels: dict[str, Any] = dict(getattr(kind_field, "choices", None) or [])
    if parent_kind is None:
        return str(_("最上级只能是机关工委。"))
    if not CHILD_KINDS.get(parent_kind):
        return str(_("%(parent)s之下不能再设下级组织。") % {"parent": labels[parent_kind]})
    return str(
        _("%(parent)s之下只能设：%(allowed)s。")
        % {
            "parent": labels[parent_kind],
            "allowed": "、".join(str(labels[k]) for k in labels if k in CHILD_KINDS[parent_kind]),
        }
    )


def check_one_secretary(*, organisation_id: int, title: str, exclude_pk: int | None = None) -> None:
    """An organisation has one secretary at a time (one current 书记 position)."""
    if title != "secretary":
        return
    current = apps.get_model("organisations", "Position").objects.filter(
        organisation_id=organisation_id, title=title, ended_on__isnull=True
    )
    # pk=None is a valid exact lookup (IS NULL: excludes nothing); the plugin wants str | int.
    if current.exclude(pk=exclude_pk).exists():  # type: ignore[misc]
        raise ValidationError({"title": _("该组织已有在任书记，请先办理原书记离任。")})
