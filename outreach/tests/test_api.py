"""The channel's API: the public submit and track, and the handlers' endpoints."""

from django.urls import reverse

from outreach.models import Request, Status

from .factories import AreaFactory, RequestFactory, RuleFactory, category


def test_public_submit_and_track(client, world):
    area = AreaFactory(name="羊拉乡")
    RuleFactory(area=area, organisation=world.branch_a)
    response = client.post(
        reverse("api:public-request-submit"),
        {
            "category": category("咨询").pk,
            "area": area.pk,
            "title": "医保卡补办",
            "text": "我家老人的医保卡丢了，不知道在哪里补办？",
            "phone": "13887654321",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    req = Request.objects.get(code=body["code"])
    assert body["status"] == "received" and req.channel == "api"
    assert req.organisation == world.branch_a
    tracked = client.get(reverse("api:public-request-track", args=[body["code"]])).json()
    assert tracked["status_label"] == "已接收" and "phone" not in str(tracked)


def test_public_submit_of_spam_answers_received_and_holds(client, db):
    response = client.post(
        reverse("api:public-request-submit"),
        {
            "category": category("咨询").pk,
            "area": AreaFactory().pk,
            "title": "推广",
            "text": "专业办理各类证件 毕业证 驾驶证 资格证 一比一还原 可查可验 联系微信 zheng888",
        },
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["status"] == "received"
    assert Request.objects.get().status == Status.HELD


def test_public_submit_bad_input_is_400_naming_the_field(client, db):
    response = client.post(
        reverse("api:public-request-submit"),
        {"category": 99999, "area": "x", "title": "", "text": "a" * 6000, "phone": "电话"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert {"category", "area", "title", "text", "phone"} <= set(response.json())


def test_handler_api_is_scoped_and_refuses_illegal_moves(client, world):
    own = RequestFactory(organisation=world.branch_a)
    other = RequestFactory(organisation=world.org_b)
    client.force_login(world.users["secretary_a"])
    listed = client.get(reverse("api:outreach-request-list")).json()["results"]
    assert [r["code"] for r in listed] == [own.code]
    url = reverse("api:outreach-request-transition", args=[other.pk])
    assert client.post(url, {"to": "accepted"}, content_type="application/json").status_code == 404
    url = reverse("api:outreach-request-transition", args=[own.pk])
    refused = client.post(url, {"to": "closed"}, content_type="application/json")
    assert refused.status_code == 400 and "不能改为" in str(refused.json())
    accepted = client.post(url, {"to": "accepted"}, content_type="application/json")
    assert accepted.json()["status"] == "accepted"
