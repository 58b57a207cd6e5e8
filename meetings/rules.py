"""The rule book: which meetings are due where, read from the versioned rule sets.

The platform default (DESIGN §5, 支部工作条例 2018) is a rule set without an organisation; an
organisation's rule set overrides, for its whole subtree, the meeting kinds it lists (a
quarterly party lecture, say). For a period, each owner's latest version in force on the
period's first day applies, so a new version never rewrites the results of earlier periods."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_noop

from organisations.models import Organisation

from .models import Binds, Frequency, MeetingKind, Quorum, Rule, RuleSet

BRANCH, GENERAL_BRANCH, PARTY_COMMITTEE, GROUP = (
    "branch",
    "general_branch",
    "party_committee",
    "group",
)

# (kind, frequency, organisation kinds, quorum, binds, needs_committee)
DEFAULT_RULES = [
    (
        MeetingKind.MEMBER_ASSEMBLY,
        Frequency.QUARTERLY,
        [BRANCH, GENERAL_BRANCH],
        Quorum.VOTING_MEMBERS,
        Binds.ORGANISATION,
        False,
    ),
    (
        MeetingKind.COMMITTEE_MEETING,
        Frequency.MONTHLY,
        [BRANCH, GENERAL_BRANCH, PARTY_COMMITTEE],
        Quorum.COMMITTEE,
        Binds.ORGANISATION,
        True,
    ),
    (MeetingKind.GROUP_MEETING, Frequency.MONTHLY, [GROUP], Quorum.NONE, Binds.ORGANISATION, False),
    (
        MeetingKind.PARTY_LECTURE,
        Frequency.YEARLY,
        [BRANCH, GENERAL_BRANCH, PARTY_COMMITTEE],
        Quorum.NONE,
        Binds.SECRETARY,
        False,
    ),
    (MeetingKind.THEME_DAY, Frequency.MONTHLY, [BRANCH], Quorum.NONE, Binds.ORGANISATION, False),
    (
        MeetingKind.ORGANISATIONAL_LIFE_MEETING,
        Frequency.YEARLY,
        [BRANCH, GENERAL_BRANCH],
        Quorum.NONE,
        Binds.ORGANISATION,
        False,
    ),
    (
        MeetingKind.DEMOCRATIC_LIFE_MEETING,
        Frequency.YEARLY,
        [PARTY_COMMITTEE],
        Quorum.COMMITTEE,
        Binds.ORGANISATION,
        True,
    ),
    (
        MeetingKind.HEART_TO_HEART,
        Frequency.YEARLY,
        [BRANCH],
        Quorum.NONE,
        Binds.ORGANISATION,
        False,
    ),
]
DEFAULT_EFFECTIVE_FROM = date(2018, 10, 28)  # 支部工作条例（试行）印发


def ensure_default_rule_set() -> RuleSet:
    """The platform default, written once (the first compliance run or rule-set page)."""
    existing = RuleSet.objects.filter(organisation__isnull=True).order_by("version").first()
    if existing is not None:
        return existing
    rule_set = RuleSet.objects.create(
        organisation=None,
        version=1,
        effective_from=DEFAULT_EFFECTIVE_FROM,
        name=gettext_noop("支部工作条例默认规则"),  # a msgid: RuleSet.display_name
    )
    Rule.objects.bulk_create(
        Rule(
            rule_set=rule_set,
            meeting_kind=kind,
            frequency=frequency,
            organisation_kinds=kinds,
            quorum=quorum,
            binds=binds,
            needs_committee=needs_committee,
        )
        for kind, frequency, kinds, quorum, binds, needs_committee in DEFAULT_RULES
    )
    return rule_set


@dataclass
class Settings:
    half_included: bool = False
    election_ratio: Decimal = Decimal("0.80")
    rule_set: RuleSet | None = None


@dataclass
class _Version:
    rule_set: RuleSet
    rules: dict[str, Rule] = field(default_factory=dict)


class RuleBook:
    """Every rule set, loaded in two queries; answers "which rules apply here on that day"."""

    def __init__(self) -> None:
        ensure_default_rule_set()
        self.by_owner: dict[str, list[_Version]] = {}
        versions: dict[int, _Version] = {}
        for rule_set in RuleSet.objects.select_related("organisation").order_by("-effective_from"):
            owner = rule_set.organisation.path if rule_set.organisation else ""
            version = _Version(rule_set)
            versions[rule_set.pk] = version
            self.by_owner.setdefault(owner, []).append(version)
        for rule in Rule.objects.all():
            versions[rule.rule_set_id].rules[rule.meeting_kind] = rule
        self.steplen = Organisation.steplen
        self._cache: dict[tuple, tuple[dict[str, Rule], Settings]] = {}
        self._applicable: dict[tuple[int, str], dict[str, Rule]] = {}

    def _in_force(self, owner: str, day: date) -> _Version | None:
        versions = self.by_owner.get(owner)
        if not versions:
            return None
        for version in versions:  # newest first
            if version.rule_set.effective_from <= day:
                return version
        return None if owner else versions[-1]  # the default holds before its first date too

    def for_path(self, path: str, day: date) -> tuple[dict[str, Rule], Settings]:
        """The rules (by meeting kind) and settings for the organisation at `path` on `day`."""
        owners = [""] + [path[:end] for end in range(self.steplen, len(path) + 1, self.steplen)]
        owners = [owner for owner in owners if owner in self.by_owner]
        key = (tuple(owners), day)
        if key in self._cache:
            return self._cache[key]
        rules: dict[str, Rule] = {}
        settings = Settings()
        for owner in owners:
            version = self._in_force(owner, day)
            if version is None:
                continue
            rules.update(version.rules)
            settings = Settings(
                version.rule_set.half_included, version.rule_set.election_ratio, version.rule_set
            )
        self._cache[key] = (rules, settings)
        return rules, settings

    def applicable(self, path: str, kind: str, day: date) -> dict[str, Rule]:
        rules, _settings = self.for_path(path, day)
        key = (id(rules), kind)
        found = self._applicable.get(key)
        if found is None:
            found = self._applicable[key] = {
                k: r for k, r in rules.items() if kind in r.organisation_kinds
            }
        return found
