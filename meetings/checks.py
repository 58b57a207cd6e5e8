"""The checks of 支部工作条例 art. 11: quorum and passing of a vote, and elections.

"半数以上" is read as more than half by default; a rule set may read it as half included. An
election (换届) needs more than four fifths of the voting members due present."""

import re
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


def _too_many(cast: int, present: int) -> str:
    return _("赞成、反对、弃权票合计 %(cast)s 票，多于到会有表决权的党员 %(present)s 人。") % {
        "cast": cast,
        "present": present,
    }


def _election(ratio: Decimal, due: int, present: int) -> str:
    return _(
        "选举须有超过应到会有表决权党员 %(ratio)s 的人到会：应到 %(due)s 人，"
        "实到 %(present)s 人（党的基层组织选举工作条例）。"
    ) % {
        "ratio": _("五分之四") if ratio == Decimal("0.80") else ratio,
        "due": due,
        "present": present,
    }


def _no_quorum(due: int, present: int) -> str:
    return _(
        "到会有表决权的党员 %(present)s 人，未达到应到 %(due)s 人的半数以上，"
        "不能进行表决（支部工作条例第十一条）。"
    ) % {"present": present, "due": due}


def _rejected(votes_for: int, due: int) -> str:
    return _(
        "赞成票 %(for)s 票，未超过应到有表决权党员 %(due)s 人的半数（支部工作条例第十一条）。"
    ) % {
        "for": votes_for,
        "due": due,
    }


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
        return Verdict(DecisionOutcome.INVALID, _too_many(cast, voting_present))
    if kind == DecisionKind.ELECTION:
        if voting_due <= 0 or Decimal(voting_present) <= Decimal(voting_due) * election_ratio:
            return Verdict(
                DecisionOutcome.INVALID, _election(election_ratio, voting_due, voting_present)
            )
    elif not quorum(voting_present, voting_due, half_included=half_included):
        return Verdict(DecisionOutcome.INVALID, _no_quorum(voting_due, voting_present))
    if majority(votes_for, voting_due, half_included=half_included):
        return Verdict(DecisionOutcome.PASSED)
    return Verdict(DecisionOutcome.REJECTED, _rejected(votes_for, voting_due))


def problem_text(
    *,
    kind: str,
    outcome: str,
    stored: str,
    votes_for: int,
    votes_against: int,
    votes_abstain: int,
    voting_due: int,
    voting_present: int,
) -> str:
    """The problem of a checked decision in the reader's language. The stored text was written
    in the language of whoever recorded it; the outcome (decided with the rule set's settings
    then) says which rule failed, and the figures are on the decision and its meeting."""
    if not stored or outcome == DecisionOutcome.PASSED:
        return ""
    if outcome == DecisionOutcome.REJECTED:
        return _rejected(votes_for, voting_due)
    cast = votes_for + votes_against + votes_abstain
    if cast > voting_present:
        return _too_many(cast, voting_present)
    if kind == DecisionKind.ELECTION:
        # A rule set's own ratio is written in the stored text as a decimal (e.g. 0.85).
        found = re.search(r"\b0\.\d+", stored)
        ratio = Decimal(found.group()) if found else Decimal("0.80")
        return _election(ratio, voting_due, voting_present)
    return _no_quorum(voting_due, voting_present)
