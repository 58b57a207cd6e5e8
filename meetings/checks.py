"""The checks of 支部工作条例 art. 11: quorum and passing of a vote, and elections.

"半数以上" is read as more than half by default; a rule set may read it as half included. An
election (换届) needs more than four fifths of the voting members due present."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from .models import DecisionKind, DecisionOutcome


def majority(count: int, of: int, *, half_included: bool = False) -> bool:
    """Whether `count` is "半数以上" of `of` (exactly half passes only when half is included)."""
    if of <= 0:
        return False
    return count * 2 >= of if half_included else count * 2 > of


def quorum(present: int, due: int, *, half_included: bool = False) -> bool:
    return majority(present, due, half_included=half_included)


@dataclass(frozen=True)
class Verdict:
    outcome: str
    problem: str = ""


def check_decision(
    *,
    kind: str,
    votes_for: int,
    votes_against: int,
    votes_abstain: int,
    voting_due: int,
    voting_present: int,
    half_included: bool = False,
    election_ratio: Decimal = Decimal("0.80"),
) -> Verdict:
    cast = votes_for + votes_against + votes_abstain
    if cast > voting_present:
        return Verdict(
            DecisionOutcome.INVALID,
            _("赞成、反对、弃权票合计 %(cast)s 票，多于到会有表决权的党员 %(present)s 人。")
            % {"cast": cast, "present": voting_present},
        )
    if kind == DecisionKind.ELECTION:
        if voting_due <= 0 or Decimal(voting_present) <= Decimal(voting_due) * election_ratio:
            return Verdict(
                DecisionOutcome.INVALID,
                _(
                    "选举须有超过应到会有表决权党员 %(ratio)s 的人到会：应到 %(due)s 人，"
                    "实到 %(present)s 人（党的基层组织选举工作条例）。"
                )
                % {
                    "ratio": _("五分之四") if election_ratio == Decimal("0.80") else election_ratio,
                    "due": voting_due,
                    "present": voting_present,
                },
            )
    elif not quorum(voting_present, voting_due, half_included=half_included):
        return Verdict(
            DecisionOutcome.INVALID,
            _(
                "到会有表决权的党员 %(present)s 人，未达到应到 %(due)s 人的半数以上，"
                "不能进行表决（支部工作条例第十一条）。"
            )
            % {"present": voting_present, "due": voting_due},
        )
    if majority(votes_for, voting_due, half_included=half_included):
        return Verdict(DecisionOutcome.PASSED)
    return Verdict(
        DecisionOutcome.REJECTED,
        _("赞成票 %(for)s 票，未超过应到有表决权党员 %(due)s 人的半数（支部工作条例第十一条）。")
        % {"for": votes_for, "due": voting_due},
    )
