"""The party–masses channel's rows in the URL walk (core/tests/test_url_access.py).

The public pages answer every persona, anonymous included; the handlers' pages are the
committee's and the secretaries' (scoped: the other side's objects are 404)."""

from django.core.files.base import ContentFile

from core.tests.url_walk import (
    ALL_OK,
    LOGIN,
    PERSONAS,
    api,
    api_scoped,
    both,
    only,
    party,
    scoped,
)

from .factories import (
    AreaFactory,
    ConsultationFactory,
    RequestFactory,
    ResponseFactory,
    RuleFactory,
    WishFactory,
    category,
)

HANDLERS = {**party(), "member": 404}
POSTED = {p: 302 for p in PERSONAS}


def side_objects(world, side, base):
    from outreach.models import RequestImage, Status

    request = RequestFactory(organisation=base.organisation, title=f"诉求{side}")
    held = RequestFactory(organisation=None, status=Status.HELD, title=f"可疑{side}")
    consultation = ConsultationFactory(organisation=base.organisation)
    image = RequestImage.objects.create(
        request=request, file=ContentFile(b"\x89PNG\r\n\x1a\n" + b"0" * 32, name="a.png")
    )
    return {
        "request": request,
        "held": held,
        "wish": WishFactory(organisation=base.organisation),
        "claimed_wish": WishFactory(
            organisation=base.organisation, claimed_by=base.member, status=Status.IN_PROGRESS
        ),
        "consultation": consultation,
        "response": ResponseFactory(consultation=consultation, held=True),
        "rule": RuleFactory(organisation=base.organisation, area=AreaFactory(name=f"规则村{side}")),
        "image": image,
    }


def _own_wish():
    table = {side: {**{p: 404 for p in PERSONAS}, "anonymous": LOGIN} for side in ("a", "b")}
    table["a"]["member"] = 302  # the member persona claimed side a's wish (member_a)
    return table


ROUTES = {
    "outreach:submit": ("get", None, ALL_OK),
    "outreach:wish_submit": ("get", None, ALL_OK),
    "outreach:track_lookup": ("get", None, ALL_OK),
    "outreach:track": ("get", lambda s: {"code": s.request.code}, both(ALL_OK)),
    "outreach:rate": ("post", lambda s: {"code": s.request.code}, both(POSTED)),
    "outreach:wish_confirm": ("post", lambda s: {"code": s.wish.code}, both(POSTED)),
    "outreach:answered": ("get", None, ALL_OK),
    "outreach:statistics": ("get", None, ALL_OK),
    "outreach:wishes": ("get", None, ALL_OK),
    "outreach:consultations": ("get", None, ALL_OK),
    "outreach:consultation": ("get", lambda s: {"code": s.consultation.code}, both(ALL_OK)),
    "outreach:handle_list": ("get", None, HANDLERS),
    "outreach:handle_detail": ("get", lambda s: {"pk": s.request.pk}, scoped()),
    "outreach:handle_action": ("post", lambda s: {"pk": s.request.pk}, scoped(ok=302)),
    "outreach:handle_reassign": ("post", lambda s: {"pk": s.request.pk}, scoped(ok=302)),
    "outreach:handle_note": ("post", lambda s: {"pk": s.request.pk}, scoped(ok=302)),
    "outreach:handle_approve": ("post", lambda s: {"pk": s.request.pk}, scoped(ok=302)),
    "outreach:request_image": ("get", lambda s: {"pk": s.image.pk}, scoped()),
    "outreach:triage": ("get", None, only("admin")),
    "outreach:moderation": ("get", None, only("admin")),
    "outreach:moderate": (
        "post",
        lambda s: {"pk": s.held.pk, "decision": "spam"},
        both(only("admin", 302)),
    ),
    "outreach:settings": ("get", None, only("admin")),
    "outreach:rule_delete": ("post", lambda s: {"pk": s.rule.pk}, both(only("admin", 302))),
    "outreach:area_create": ("post", None, only("admin", 302)),
    "outreach:category_update": (
        "post",
        lambda s: {"pk": category("咨询").pk},
        both(only("admin", 302)),
    ),
    "outreach:workday_save": ("post", None, only("admin", 302)),
    "outreach:wish_claim": ("post", lambda s: {"pk": s.wish.pk}, both(party(302))),
    "outreach:wish_fulfil": ("post", lambda s: {"pk": s.claimed_wish.pk}, _own_wish()),
    "outreach:my_wishes": ("get", None, party()),
    "outreach:consultation_list": ("get", None, HANDLERS),
    "outreach:consultation_create": ("get", None, HANDLERS),
    "outreach:consultation_manage": ("get", lambda s: {"pk": s.consultation.pk}, scoped()),
    "outreach:consultation_export": ("get", lambda s: {"pk": s.consultation.pk}, scoped()),
    "outreach:response_release": ("post", lambda s: {"pk": s.response.pk}, scoped(ok=302)),
    # The API: the public endpoints need no account; the handlers' are scoped.
    "api:public-request-submit": ("post", None, {p: 400 for p in PERSONAS}),
    "api:public-request-track": ("get", lambda s: {"code": s.request.code}, both(ALL_OK)),
    "api:outreach-request-list": ("get", None, api()),
    "api:outreach-request-detail": ("get", lambda s: {"pk": s.request.pk}, api_scoped()),
    "api:outreach-request-transition": (
        "post",
        lambda s: {"pk": s.request.pk},
        scoped(ok=400, base=api()),  # an empty body: 400 naming the field
    ),
}
