"""Who acts when no person is signed in: the operator scope (操作员) of commands and jobs.

Services take an `actor` and scope everything by it. A command on the server or a periodic job
has no account, and "no actor" must never mean "everything" (a caller that forgets the actor
would otherwise reach the whole tree). So such callers ask for the operator by name:

    actor = operator("import_roster")

The policy gives the operator the whole tree; the audit log names it; `None` is refused.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


@dataclass(frozen=True)
class Operator:
    """The server's operator, acting through a named command or job. Not an account."""

    name: str

    # What the policy and the audit log ask of an actor; an operator is never a user row.
    is_authenticated = True
    is_active = True
    pk = None
    role = None

    def __str__(self) -> str:
        return f"operator:{self.name}"


# Who a service or a scoped read may be asked for: the signed-in account as the request carries
# it (`request.user`, possibly anonymous, which the policy scopes to nothing), or the operator.
Actor: TypeAlias = "AbstractBaseUser | AnonymousUser | Operator"


def operator(name: str) -> Operator:
    """The operator scope for the command or job `name` (shown in the audit log)."""
    if not name or not name.strip():
        raise ValueError("an operator scope is asked for by name")
    return Operator(name.strip())


class MissingActor(TypeError):
    """A scoped read or a service write was asked for without saying who acts."""

    def __init__(self) -> None:
        super().__init__(
            "No actor given: pass the signed-in user, or core.actors.operator('<command>') for "
            "commands and jobs. A missing actor never means the whole tree."
        )


def require_actor(actor: "Actor | None") -> "Actor":
    """`actor`, or MissingActor when there is none: the first line of a service that acts on
    someone's behalf (scope fails closed, never "everything")."""
    if actor is None:
        raise MissingActor
    return actor
