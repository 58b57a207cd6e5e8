"""The public side: submitting without an account, tracking, rating, the public pages."""

import io
import re
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from audit.models import AuditEvent
from outreach.models import CODE_ALPHABET, CODE_LENGTH, Rating, Request, Status, new_code

from .factories import AreaFactory, RequestFactory, RuleFactory, category

LEGIT = "德钦县城到飞来寺的公交车冬季停运了，游客和上班的人都很不方便，能否恢复早晚各一班？"


def post(client, **overrides):
    data = {
        "category": category("求助").pk,
        "area": AreaFactory(name="升平镇阿东村").pk,
        "title": "公交车冬季停运",
        "text": LEGIT,
        "name": "",
        "phone": "",
        "website": "",
        **overrides,
    }
    return client.post(reverse("outreach:submit"), data, REMOTE_ADDR="10.1.2.3")


@pytest.fixture
def routed(world):
    RuleFactory(area=AreaFactory(name="升平镇阿东村"), organisation=world.branch_a)
    return world


def test_submit_without_account_routes_and_shows_the_code(client, routed):
    response = post(client, name="扎西", phone="138 8765 4321")
    req = Request.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("outreach:track", args=[req.code])
    assert req.status == Status.RECEIVED
    assert req.organisation == routed.branch_a
    assert req.accept_due and req.answer_due
    # The phone is stored encrypted, with a digest and a mask; never in clear.
    assert "13887654321" not in req.phone_encrypted
    assert req.phone == "13887654321" and req.phone_masked == "138****4321"
    event = AuditEvent.objects.get(target_id=str(req.pk), target_type="outreach.request")
    assert event.actor_name == "public" and "13887654321" not in str(event.changes)
    page = client.get(response["Location"]).content.decode()
    assert req.code in page and "已收到" in page
    assert "138****4321" not in page and "13887654321" not in page


def test_no_rule_sends_the_request_to_the_committees_triage_queue(client, world):
    post(client)
    req = Request.objects.get()
    assert req.organisation is None and req.status == Status.RECEIVED
    client.force_login(world.users["admin"])
    assert req.code in client.get(reverse("outreach:triage")).content.decode()
    client.force_login(world.users["secretary_a"])
    assert client.get(reverse("outreach:handle_detail", args=[req.pk])).status_code == 404


def test_tracking_codes_are_random_and_unguessable():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    # ~60 bits: 31 ** 12
    assert len(CODE_ALPHABET) ** CODE_LENGTH > 2**58


def test_a_wrong_code_is_404(client, db):
    assert client.get(reverse("outreach:track", args=["AAAAAAAAAAAA"])).status_code == 404


def test_the_honeypot_holds_the_submission_and_the_sender_sees_the_same(client, routed):
    response = post(client, website="http://spam.example")
    req = Request.objects.get()
    assert req.status == Status.HELD and req.organisation is None
    assert any("隐藏字段" in r for r in req.spam_reasons)
    page = client.get(response["Location"]).content.decode()
    assert "已收到" in page and req.code in page and "待审核" not in page


@pytest.mark.parametrize(
    "text",
    [
        "高清无码在线观看|日韩精品一区|国产免费视频网站|午夜福利影院|亚洲综合在线|精品一区二区三区|免费成人网站|在线视频播放|",
        "太阳城娱乐 注册就送彩金 网址：www.tyc9999.example 首存百分百返水 电子游艺 体育投注",
    ],
)
def test_spam_is_held_never_dropped_never_public(client, routed, text):
    response = post(client, title="推广", text=text)
    assert response.status_code == 302, response.context["form"].errors
    req = Request.objects.get()
    assert req.status == Status.HELD
    assert client.get(reverse("outreach:answered")).content.decode().count(req.code) == 0


def test_rate_limit_holds_then_refuses_storing_nothing_unacknowledged(client, routed, settings):
    settings.OUTREACH_HOLD_PER_HOUR = 2
    settings.OUTREACH_REFUSE_PER_HOUR = 4
    statuses = [
        post(client, title=f"路灯坏了{i}", text=f"{LEGIT}（第{i}次）").status_code for i in range(6)
    ]
    assert statuses == [302, 302, 302, 302, 429, 429]
    stored = list(Request.objects.order_by("submitted_at", "pk").values_list("status", flat=True))
    assert stored == [Status.RECEIVED, Status.RECEIVED, Status.HELD, Status.HELD]
    assert "提交过于频繁" in post(client).content.decode()


def test_repeated_text_is_held(client, routed):
    for _ in range(3):
        post(client)
    assert list(Request.objects.order_by("pk").values_list("status", flat=True)) == [
        Status.RECEIVED,
        Status.RECEIVED,
        Status.HELD,
    ]


def test_bad_input_is_a_form_error_in_chinese(client, routed):
    response = post(client, title="", phone="abc", category="999", text="x" * 6000)
    assert response.status_code == 200
    body = response.content.decode()
    assert "联系电话格式不正确" in body
    assert "标题：" in body
    assert Request.objects.count() == 0


def test_html_is_stripped(client, routed):
    post(client, text="路灯坏了<script>alert(1)</script><b>很久</b>了")
    assert Request.objects.get().text == "路灯坏了很久了"


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (20, 20), "red")
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_images_are_checked_and_stripped_of_metadata(client, routed):
    raw = _jpeg_with_exif()
    assert b"CameraMaker" in raw
    post(client, images=SimpleUploadedFile("我的照片 13887654321.jpg", raw, "image/jpeg"))
    image = Request.objects.get().images.get()
    stored = image.file.read()
    assert b"CameraMaker" not in stored and stored[:2] == b"\xff\xd8"
    assert "13887654321" not in image.file.name
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image", "image/jpeg")
    response = post(client, title="另一件事", images=fake)
    assert response.status_code == 200 and "图片" in response.content.decode()
    assert Request.objects.count() == 1


def test_deadlines_count_working_days_across_the_national_day(client, routed):
    tz = ZoneInfo("Asia/Shanghai")
    with mock.patch("django.utils.timezone.now", return_value=datetime(2025, 9, 30, 10, tzinfo=tz)):
        post(client)
    req = Request.objects.get()
    assert req.accept_due == datetime(2025, 10, 9, 10, tzinfo=tz)
    # 求助: 5 working days: 9, 10, 11 (调休 Saturday), 13, 14 October.
    assert req.answer_due == datetime(2025, 10, 14, 10, tzinfo=tz)


def _answered(world, **kwargs):
    req = RequestFactory(organisation=world.branch_a, **kwargs)
    req.status = Status.ANSWERED
    req.public_answer = "已修复。"
    req.answer_approved = True
    req.save()
    return req


def test_rating_satisfied_closes(client, world):
    req = _answered(world)
    client.post(reverse("outreach:rate", args=[req.code]), {"rating": Rating.SATISFIED})
    req.refresh_from_db()
    assert (req.status, req.rating) == (Status.CLOSED, Rating.SATISFIED)


def test_dissatisfied_reopens_once_with_a_reason(client, world):
    req = _answered(world)
    url = reverse("outreach:rate", args=[req.code])
    client.post(url, {"rating": Rating.DISSATISFIED, "reason": ""})
    req.refresh_from_db()
    assert req.status == Status.ANSWERED  # a reason is required
    client.post(url, {"rating": Rating.DISSATISFIED, "reason": "路灯还是不亮"})
    req.refresh_from_db()
    assert req.status == Status.IN_PROGRESS and req.reopened_at and not req.rating
    assert req.reopen_reason == "路灯还是不亮"
    # Answered again, then dissatisfied again: no second reopening, it closes with the rating.
    req.status, req.public_answer = Status.ANSWERED, "已更换灯泡。"
    req.save()
    client.post(url, {"rating": Rating.DISSATISFIED, "reason": "还是不行"})
    req.refresh_from_db()
    assert (req.status, req.rating) == (Status.CLOSED, Rating.DISSATISFIED)
    client.post(url, {"rating": Rating.SATISFIED})
    req.refresh_from_db()
    assert req.rating == Rating.DISSATISFIED  # cannot rate twice


def test_public_answered_list_is_deidentified_in_free_text(client, world):
    _answered(
        world,
        name="和丽华",
        title="和丽华反映漏水",
        text="我叫和丽华，电话13887654321，身份证533401198503120011，住长征路12号3栋，王大爷家也漏水",
    )
    body = client.get(reverse("outreach:answered")).content.decode()
    for secret in ("和丽华", "13887654321", "533401198503120011", "长征路12号", "3栋", "王大爷"):
        assert secret not in body, secret
    assert "[电话已隐去]" in body and "[身份证号已隐去]" in body


def test_public_lists_have_fixed_query_counts(client, world, django_assert_num_queries):
    for _ in range(3):
        _answered(world)
    with django_assert_num_queries(3):  # session-less: count + page + categories
        client.get(reverse("outreach:answered"))
    with django_assert_num_queries(1):
        client.get(reverse("outreach:statistics"))
    for _ in range(3):
        RequestFactory(organisation=world.branch_a, kind="wish", category=category("微心愿"))
    with django_assert_num_queries(2):
        client.get(reverse("outreach:wishes"))


def test_statistics_per_organisation(client, world):
    req = _answered(world)
    req.answered_at = req.submitted_at
    req.rating = Rating.FAIRLY
    req.save()
    RequestFactory(organisation=world.branch_a)
    body = client.get(reverse("outreach:statistics")).content.decode()
    row = re.search(r"中共甲局第一支部委员会</td>(.*?)</tr>", body, re.S).group(1)
    numbers = re.findall(r">([\d.%—]+)<", row)
    assert numbers == ["2", "1", "100.0%", "100.0%"]
