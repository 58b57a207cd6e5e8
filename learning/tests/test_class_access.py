"""One rule for who runs a training class and what each person sees (selectors.runs_class and
participants_visible_to), walked through the class page, the reflection page, the review, the
certificate and the to-do, for each persona: the committee admin, an organiser who is the
secretary of another body, the trainee's own secretary, the trainee, an unrelated secretary
and the auditor."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from core.tests.personas import signed_in
from core.todos import todos_for
from learning import services
from learning.models import CopyFlag, Reflection, ReflectionStatus
from organisations.models import OrganisationKind
from organisations.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
TODAY = date.today()


@pytest.fixture
def setting(world):
    """A committee-level class organised by the admin and by secretary_b (of 乙局, another
    body); member_a (甲局's branch, secretary_a's member) is a trainee with a reflection and a
    certificate; secretary_c heads a third body with nothing to do with the class."""
    admin = world.users["admin"]
    training_class = services.class_create(
        actor=admin,
        organisation=world.root,
        title="延安精神培训班",
        description="",
        starts_on=TODAY - timedelta(days=6),
        ends_on=TODAY - timedelta(days=1),
        organisers=[admin, world.users["secretary_b"]],
    )
    services.quota_set(
        actor=admin, training_class=training_class, organisation=world.org_a, seats=2
    )
    participant = services.participant_nominate(
        actor=admin, training_class=training_class, member=world.member_a
    )
    reflection = Reflection.objects.create(
        participant=participant,
        title="学习延安精神的心得",
        body="实事求是" * 40,
        submitted_at=timezone.now(),
    )
    CopyFlag.objects.create(
        reflection=reflection, similarity="0.900", passage="实事求是", other_passage="实事求是"
    )
    services.certificate_issue(actor=admin, participant=participant)
    org_c = OrganisationFactory(parent=world.root, name="中共丙局机关支部委员会")
    assert org_c.kind == OrganisationKind.BRANCH
    secretary_c = UserFactory(username="secretary_c", role=Role.SECRETARY, organisation=org_c)
    participant.refresh_from_db()
    return {
        "cls": training_class,
        "participant": participant,
        "reflection": reflection,
        "secretary_c": secretary_c,
    }


def _user(world, setting, persona):
    return setting["secretary_c"] if persona == "secretary_c" else world.users[persona]


def _pages(setting):
    return {
        "class": reverse("learning:class_detail", args=[setting["cls"].pk]),
        "reflection": reverse("learning:reflection_detail", args=[setting["reflection"].pk]),
        "certificate": reverse("learning:certificate_pdf", args=[setting["participant"].pk]),
    }


# persona: (runs the class, sees the trainee)
PERSONAS = {
    "admin": (True, True),
    "secretary_b": (True, True),  # an organiser from another body
    "secretary_a": (False, True),  # the trainee's own secretary
    "member": (False, True),  # the trainee
    "secretary_c": (False, False),  # unrelated
    "auditor": (False, False),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_what_each_persona_sees(client, world, setting, persona):
    runs, sees = PERSONAS[persona]
    signed_in(client, _user(world, setting, persona))
    pages = _pages(setting)
    response = client.get(pages["class"])
    if not sees:
        assert response.status_code == 404
        assert client.get(pages["reflection"]).status_code == 404
        assert client.get(pages["certificate"]).status_code == 404
        return
    assert response.status_code == 200
    page = response.content.decode()
    # Every link the class page offers opens.
    assert pages["reflection"] in page
    assert pages["certificate"] in page
    assert (world.member_a.name in page) is (persona != "member")  # the trainee: "my reflection"
    assert ("保存名额" in page) is runs
    reflection_page = client.get(pages["reflection"])
    assert reflection_page.status_code == 200
    body = reflection_page.content.decode()
    assert ('id="copy-flags"' in body) is runs  # flags are the reviewer's hint only
    assert ('id="review-reflection"' in body) is runs
    assert client.get(pages["certificate"]).status_code in (200, 503)  # 503: no Pango


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_those_who_run_the_class_review(client, world, setting, persona):
    runs, _sees = PERSONAS[persona]
    signed_in(client, _user(world, setting, persona))
    reflection = setting["reflection"]
    response = client.post(
        reverse("learning:reflection_review", args=[reflection.pk]),
        {"decision": "return", "comment": "请结合本职工作谈体会"},
    )
    reflection.refresh_from_db()
    if runs:
        assert response.status_code == 302
        assert reflection.status == ReflectionStatus.RETURNED
        assert AuditEvent.objects.filter(
            target_type="learning.reflection", target_id=str(reflection.pk), action="update"
        ).exists()
    else:
        assert response.status_code == 404
        assert reflection.status == ReflectionStatus.SUBMITTED


def test_organiser_from_another_body_sees_every_trainee_and_the_to_do(client, world, setting):
    organiser = world.users["secretary_b"]
    signed_in(client, organiser)
    page = client.get(reverse("learning:class_list")).content.decode()
    assert setting["cls"].title in page
    assert any("心得体会待审阅" in str(item.title) for item in todos_for(organiser))
    # The trainee's own secretary reads but does not review: no to-do for them.
    assert not any("心得体会待审阅" in str(i.title) for i in todos_for(world.users["secretary_a"]))


def test_own_secretary_sees_only_their_members_on_the_class_page(client, world, setting):
    admin = world.users["admin"]
    services.quota_set(
        actor=admin, training_class=setting["cls"], organisation=world.org_b, seats=1
    )
    services.participant_nominate(actor=admin, training_class=setting["cls"], member=world.member_b)
    signed_in(client, world.users["secretary_a"])
    page = client.get(reverse("learning:class_detail", args=[setting["cls"].pk])).content.decode()
    assert world.member_a.name in page and world.member_b.name not in page
    signed_in(client, world.users["secretary_b"])  # an organiser: everyone
    page = client.get(reverse("learning:class_detail", args=[setting["cls"].pk])).content.decode()
    assert world.member_a.name in page and world.member_b.name in page


def test_copy_flag_links_only_to_reflections_the_reader_may_open(client, world, setting):
    """A flag against an essay of another class (one secretary_b does not run) shows its
    passage but no link that would 404."""
    admin = world.users["admin"]
    other_class = services.class_create(
        actor=admin,
        organisation=world.root,
        title="另一期培训班",
        description="",
        starts_on=TODAY - timedelta(days=6),
        ends_on=TODAY - timedelta(days=1),
        organisers=[admin],
    )
    services.quota_set(actor=admin, training_class=other_class, organisation=world.org_b, seats=1)
    elsewhere = Reflection.objects.create(
        participant=services.participant_nominate(
            actor=admin, training_class=other_class, member=world.member_b
        ),
        title="别处的心得",
        body="实事求是" * 40,
        submitted_at=timezone.now(),
    )
    CopyFlag.objects.create(
        reflection=setting["reflection"],
        other_reflection=elsewhere,
        similarity="0.950",
        passage="实事求是",
        other_passage="实事求是",
    )
    link = reverse("learning:reflection_detail", args=[elsewhere.pk])
    url = reverse("learning:reflection_detail", args=[setting["reflection"].pk])
    # secretary_b does not run the other class, but member_b is their own member: it opens.
    signed_in(client, world.users["secretary_b"])
    page = client.get(url).content.decode()
    assert "别处的心得" in page and link in page
    assert client.get(link).status_code == 200
    # An organiser of this class from a body unrelated to member_b: passage, no link.
    other_org = OrganisationFactory(parent=world.root, name="中共丁局机关支部委员会")
    organiser = UserFactory(username="organiser_d", role=Role.SECRETARY, organisation=other_org)
    setting["cls"].organisers.add(organiser)
    signed_in(client, organiser)
    page = client.get(url).content.decode()
    assert "别处的心得" in page and link not in page
    assert client.get(link).status_code == 404
