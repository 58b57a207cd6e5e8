"""The dashboard's children and gaps, rendered in Python (meetings/templatetags): escaped, and
the same links and figures the template gave."""

from datetime import date

from django.urls import reverse

from meetings import compliance
from organisations.tests.factories import OrganisationFactory


def test_children_and_gaps_are_escaped_and_link_to_their_pages(client, tree):
    odd = OrganisationFactory(parent=tree.root, name='<b>丙</b>"支部', founded_on=date(2000, 1, 1))
    compliance.recompute(years=[2025], today=date(2026, 1, 5))
    client.force_login(tree.admin)
    url = reverse("meetings:compliance_dashboard") + f"?organisation={tree.root.pk}&year=2025"
    body = client.get(url).content.decode()
    assert "<b>丙</b>" not in body
    assert "&lt;b&gt;丙&lt;/b&gt;&quot;支部" in body
    assert f'href="?organisation={odd.pk}&amp;year=2025"' in body
    assert 'data-label="落实率"' in body
    gap = (
        f'href="{reverse("meetings:meeting_list")}?organisation={tree.branch.pk}'
        "&amp;kind=theme_day&amp;from=2025-01-01&amp;to=2025-01-31"
    )
    assert gap in body and "2025-01 主题党日" in body


def test_a_member_sees_only_their_own_organisations_gaps(client, tree):
    """A member of 工委 (which has branches under it) reads 工委's own cells only: no branch's
    gaps, figures or names, on the page, in its .xlsx or through the API."""
    from accounts.models import Role
    from accounts.tests.factories import UserFactory
    from organisations.tests.factories import MemberFactory

    compliance.recompute(years=[2025], today=date(2026, 1, 5))
    member = MemberFactory(organisation=tree.root, name="工委党员")
    user = UserFactory(username="rootmember", role=Role.MEMBER, member=member)
    client.force_login(user)
    url = reverse("meetings:compliance_dashboard") + "?year=2025"
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["organisation"] == tree.root
    assert "甲支部" not in body and "乙支部" not in body
    assert all(g.organisation_id == tree.root.pk for g in response.context["gaps"])
    assert response.context["rollup"].organisations <= 1
    assert response.context["children"] == []
    # A branch asked for by id is out of scope.
    other = reverse("meetings:compliance_dashboard") + f"?organisation={tree.branch.pk}"
    assert client.get(other).status_code == 404
    # The admin still sees the branches' gaps.
    client.force_login(tree.admin)
    body = client.get(url).content.decode()
    assert "甲支部" in body


def test_the_dashboard_and_to_dos_read_naturally_in_english(client, tree):
    """A decision's problem is shown in the reader's language (not the Chinese it was stored
    in); English to-dos write the meeting kind in lower case inside the sentence."""
    from django.conf import settings
    from django.utils import timezone, translation

    from meetings.models import Decision, MeetingKind
    from meetings.tests.factories import at
    from meetings.tests.test_meetings import OP, held
    from meetings.todos import meeting_todos

    assembly = held(
        tree, at(2025, 5, 20), kind=MeetingKind.MEMBER_ASSEMBLY, present=tree.members[:1]
    )
    from meetings import services

    services.decision_add(
        actor=OP,
        meeting=assembly,
        title="接收预备党员",
        kind="ordinary",
        votes_for=1,
        votes_against=0,
        votes_abstain=0,
    )
    assert "不能进行表决" in Decision.objects.get().problem  # stored as recorded
    client.force_login(tree.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("meetings:compliance_dashboard") + f"?organisation={tree.root.pk}&year=2025"
    body = client.get(url).content.decode()
    assert "不能进行表决" not in body and "半数以上" not in body
    assert "no vote may be taken" in body
    # The platform default rule set's name and an empty gap list are in English too.
    page = reverse("meetings:compliance_dashboard") + "?year=2025&organisation="
    body = client.get(page + str(tree.branch.pk)).content.decode()
    assert "支部工作条例默认规则" not in body
    assert "Branch Work Regulations default rules" in body
    body = client.get(page + str(tree.other.pk)).content.decode()
    assert "没有缺项" not in body and "No gaps." in body
    body = client.get(reverse("meetings:meeting_detail", args=[assembly.pk])).content.decode()
    assert "不能进行表决" not in body and "no vote may be taken" in body

    today = timezone.localdate()
    compliance.recompute(years=[today.year - 1, today.year], today=today)
    tree.admin.refresh_from_db()
    with translation.override("en"):
        titles = [item.title for item in meeting_todos(tree.admin)]
    assert titles and any(": no theme day in " in t for t in titles), titles
    assert not any("Theme day" in t or "Member assembly" in t for t in titles)
    with translation.override("zh-hans"):
        titles = [item.title for item in meeting_todos(tree.admin)]
    assert any("未开展主题党日" in t for t in titles)
