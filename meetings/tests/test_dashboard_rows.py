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
