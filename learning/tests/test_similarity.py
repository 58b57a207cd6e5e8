"""Copied essays: near-duplicates found among reflections and against lesson texts; original
essays on the same topic are not flagged."""

import pytest

from demo.learning import NEAR_COPY, NEAR_COPY_EDITED, REFLECTION_TEXTS
from learning.similarity import Document, find_matches, passages


def docs(*texts):
    return [Document(("reflection", n), text) for n, text in enumerate(texts, start=1)]


def test_near_copy_pair_is_found_with_its_passages():
    matches = find_matches(docs(NEAR_COPY, NEAR_COPY_EDITED, *REFLECTION_TEXTS))
    pairs = {(m.key[1], m.other[1]) for m in matches}
    assert pairs == {(1, 2), (2, 1)}
    match = matches[0]
    assert match.similarity >= 0.45
    assert "延安精神是中国共产党的宝贵精神财富" in match.passage
    assert "延安精神是中国共产党的宝贵精神财富" in match.other_passage


def test_original_essays_on_the_same_topic_are_not_flagged():
    assert find_matches(docs(*REFLECTION_TEXTS)) == []


def test_copy_of_a_lesson_paragraph_is_found():
    lesson = (
        "延安时期，党在极其艰苦的环境中始终坚持正确的政治方向，吸引了大批有志青年奔赴延安。"
        "方向正确，才能凝聚人心；人心凝聚，事业才有根基。"
    )
    essay = (
        "学习心得。\n延安时期，党在极其艰苦的环境中始终坚持正确的政治方向，吸引了大批有志青年奔赴延安。方向正确才能凝聚人心，人心凝聚事业才有根基。\n"
        + REFLECTION_TEXTS[0]
    )
    matches = find_matches([Document(("reflection", 1), essay), Document(("lesson", 7), lesson)])
    assert [(m.key, m.other) for m in matches] == [(("reflection", 1), ("lesson", 7))]


def test_punctuation_and_spacing_do_not_hide_a_copy():
    spaced = " ".join(NEAR_COPY).replace("。", "．")
    assert find_matches(docs(NEAR_COPY, spaced))


def test_short_and_empty_texts():
    assert passages("") == []
    assert passages("很好。") == []
    assert find_matches(docs("", "很好。", "\x00")) == []


@pytest.mark.django_db
def test_check_copies_flags_and_view_shows_side_by_side(client, world):
    from datetime import date, timedelta

    from django.urls import reverse
    from django.utils import timezone

    from core.tests.personas import signed_in
    from learning import services
    from learning.models import CopyFlag, Reflection

    admin = world.users["admin"]
    training_class = services.class_create(
        actor=admin,
        organisation=world.root,
        title="班",
        description="",
        starts_on=date.today() - timedelta(days=5),
        ends_on=date.today() - timedelta(days=1),
    )
    services.quota_set(actor=admin, training_class=training_class, organisation=world.root, seats=5)
    a = services.participant_nominate(
        actor=admin, training_class=training_class, member=world.member_a
    )
    b = services.participant_nominate(
        actor=admin, training_class=training_class, member=world.member_b
    )
    ra = Reflection.objects.create(
        participant=a, title="a", body=NEAR_COPY, submitted_at=timezone.now()
    )
    rb = Reflection.objects.create(
        participant=b, title="b", body=NEAR_COPY_EDITED, submitted_at=timezone.now()
    )
    assert services.check_copies(reflection_ids=[rb.pk]) == 2
    assert CopyFlag.objects.filter(reflection=rb, other_reflection=ra).exists()
    assert CopyFlag.objects.filter(reflection=ra, other_reflection=rb).exists()
    # Checking again replaces, never duplicates.
    services.check_copies()
    assert CopyFlag.objects.count() == 2
    signed_in(client, admin)
    page = client.get(reverse("learning:reflection_detail", args=[rb.pk])).content.decode()
    assert "疑似雷同" in page and "通过这次培训" in page and "通过本次培训" in page
    # The member sees their own essay, never the flag.
    from accounts.models import Role
    from accounts.tests.factories import UserFactory

    signed_in(client, world.users["member"])
    page = client.get(reverse("learning:reflection_detail", args=[ra.pk])).content.decode()
    assert "通过这次培训" in page and "疑似雷同" not in page
    client.force_login(UserFactory(role=Role.MEMBER, member=world.member_b))
    assert client.get(reverse("learning:reflection_detail", args=[ra.pk])).status_code == 404
