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
