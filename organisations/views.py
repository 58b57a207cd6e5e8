from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core.editing import edit_form, saved_redirect, submit
from core.panels import member_sections
from core.permissions import party_data_required
from core.roles import Role

from . import policy, selectors, services
from .forms import (
    DissolveForm,
    MemberForm,
    OrganisationForm,
    PositionEndForm,
    PositionForm,
    RevealForm,
)
from .models import Member, MemberStatus, Organisation, Position
from .policy import can_edit, can_reveal_personal_data

PAGE_SIZE = 50
# The organisation page's 下级组织, a page at a time.
CHILDREN_PAGE_SIZE = 30


def _open_pks(request) -> list[int]:
    return [int(pk) for pk in request.GET.getlist("open") if pk.isdigit() and len(pk) < 12]


@party_data_required
def organisation_tree(request):
    """党组织树: collapsible; the top level open (a secretary's whole subtree), the rest loaded
    a level at a time when opened; a search opens the path to what it finds."""
    query = request.GET.get("q", "")[:100]
    tree = selectors.organisation_tree(request.user, query=query, open_pks=_open_pks(request))
    template = "organisations/organisation_tree.html"
    if request.htmx and request.htmx.target == "organisation-tree":
        template += "#tree"
    return render(request, template, {"tree": tree, "query": query.strip()})


@party_data_required
def organisation_children(request, pk):
    """One level of the tree, the organisations directly under `pk` (an HTMX fragment)."""
    organisation = get_object_or_404(Organisation.objects.visible_to(request.user), pk=pk)
    return render(
        request,
        "organisations/tree_nodes.html",
        {"nodes": selectors.organisation_children(request.user, organisation)},
    )


@party_data_required
def organisation_detail(request, pk):
    organisation = get_object_or_404(Organisation.objects.visible_to(request.user), pk=pk)
    editable = can_edit(request.user, organisation)
    return render(
        request,
        "organisations/organisation_detail.html",
        {
            "organisation": organisation,
            "parent": selectors.visible_parent(request.user, organisation),
            # A prefecture's 机关工委 has hundreds of organs directly under it at province
            # scale: they are paged, not all rendered on every visit.
            "children": Paginator(
                selectors.visible_children(request.user, organisation).only(
                    "pk", "name", "kind", "path", "depth"
                ),
                CHILDREN_PAGE_SIZE,
            ).get_page(request.GET.get("page")),
            "counts": selectors.category_counts(organisation),
            "positions": selectors.current_positions(organisation),
            "editable": editable,
            "can_dissolve": organisation.dissolved_on is None
            and policy.can_dissolve(request.user, organisation),
        },
    )


@party_data_required
def organisation_dissolve(request, pk):
    """撤销: whoever may change the organisation above confirms the date and the decision."""
    organisation = get_object_or_404(Organisation.objects.visible_to(request.user), pk=pk)
    if not policy.can_dissolve(request.user, organisation):
        raise Http404
    form = DissolveForm(
        request.POST if request.method == "POST" else None,
        initial={"dissolved_on": timezone.localdate()},
    )
    done = submit(
        request,
        form,
        lambda data: services.organisation_dissolve(
            actor=request.user, organisation=organisation, request=request, **data
        ),
        success=_("党组织已撤销。"),
        next_url=organisation_url,
    )
    return done or render(
        request,
        "organisations/organisation_dissolve.html",
        {"organisation": organisation, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@party_data_required
def organisation_search(request):
    """JSON for the remote organisation pickers (Tom Select): `q`, a part of the name;
    `scope=edit` for the organisations the user may change (forms), else those they may see
    (the member list's filter). Answers at most ORGANISATION_SEARCH_LIMIT, in tree order."""
    found, more = selectors.organisation_search(
        request.user,
        request.GET.get("q", ""),
        editable=request.GET.get("scope") == "edit",
    )
    return JsonResponse({"results": found, "more": more})


@party_data_required
def position_member_search(request, pk):
    """JSON for the position form's member picker (Tom Select): the members of the
    organisation's subtree matching `q`, for someone who may change the organisation."""
    organisation = get_object_or_404(Organisation.objects.editable_by(request.user), pk=pk)
    found, more = selectors.position_member_search(
        request.user, organisation, request.GET.get("q", "")
    )
    return JsonResponse({"results": found, "more": more})


def organisation_url(organisation):
    return reverse("organisations:organisation_detail", args=[organisation.pk])


@party_data_required
def organisation_create(request, parent_pk):
    parent = get_object_or_404(Organisation.objects.editable_by(request.user), pk=parent_pk)
    form = OrganisationForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: services.organisation_create(
            actor=request.user, parent=parent, request=request, **data
        ),
        success=_("党组织已创建。"),
        next_url=organisation_url,
    )
    return done or render(
        request, "organisations/organisation_form.html", {"form": form, "parent": parent}
    )


@party_data_required
def organisation_update(request, pk):
    organisation = get_object_or_404(Organisation.objects.editable_by(request.user), pk=pk)
    form = edit_form(OrganisationForm, request, organisation)
    done = submit(
        request,
        form,
        lambda data: services.organisation_update(
            actor=request.user, organisation=organisation, request=request, **data
        ),
        success=_("已保存。"),
        next_url=organisation_url,
    )
    return done or render(
        request,
        "organisations/organisation_form.html",
        {"form": form, "organisation": organisation},
    )


@party_data_required
def position_create(request, pk):
    organisation = get_object_or_404(Organisation.objects.editable_by(request.user), pk=pk)
    form = PositionForm(request.POST or None, organisation=organisation)
    done = submit(
        request,
        form,
        lambda data: services.position_create(
            actor=request.user, organisation=organisation, request=request, **data
        ),
        success=_("班子成员已添加。"),
        next_url=lambda position: organisation_url(position.organisation),
    )
    return done or render(
        request,
        "organisations/position_form.html",
        {"form": form, "organisation": organisation},
    )


@party_data_required
def position_end(request, pk):
    """离任: the page asks for the date and to confirm (GET); the confirmed form ends the
    position on that date (POST; without a date, today)."""
    position = get_object_or_404(
        Position.objects.editable_by(request.user).select_related("organisation", "member"),
        pk=pk,
    )
    form = PositionEndForm(
        request.POST if request.method == "POST" else None,
        initial={"ended_on": timezone.localdate()},
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.position_end(
                    actor=request.user,
                    position=position,
                    ended_on=form.cleaned_data["ended_on"],
                    request=request,
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("已离任。"))
            return saved_redirect(request, organisation_url(position.organisation))
        status = 400
    else:
        status = 200
    return render(
        request,
        "organisations/position_end.html",
        {"position": position, "form": form},
        status=status,
    )


# The columns a click on the header sorts by (the filter's `order` values, see MemberFilter).
SORTABLE_COLUMNS = ("name", "joined_on", "birth_date")
# Filters left out of the count of active filters: the search box and the order are not.
UNCOUNTED_FILTERS = ("q", "order")


def _sorting(request) -> tuple[str, dict[str, dict]]:
    """The column the list is sorted by ("name" unless asked) and, per sortable column, the
    address that sorts by it (again: the other way round) and its current direction."""
    order = request.GET.get("order", "")
    if order.lstrip("-") not in SORTABLE_COLUMNS:
        order = "name"
    base = request.GET.copy()
    for name in ("page", "after", "before"):
        base.pop(name, None)
    columns = {}
    for column in SORTABLE_COLUMNS:
        direction = "asc" if order == column else "desc" if order == f"-{column}" else ""
        query = base.copy()
        query["order"] = f"-{column}" if direction == "asc" else column
        columns[column] = {"url": f"?{query.urlencode()}", "direction": direction}
    return order, columns


def _active_filters(member_filter) -> int:
    """How many filters narrow the list (the drawer's badge); 正常 is the status by default."""
    data = member_filter.data
    active = 0
    for name in member_filter.form.fields:
        if name in UNCOUNTED_FILTERS:
            continue
        value = data.get(name, "")
        if name == "status":
            active += value != MemberStatus.ACTIVE
        else:
            active += bool(str(value).strip())
    return active


@party_data_required
def member_list(request):
    """党员名册: search, filter, sort, paginate; the table is also an HTMX partial. A member
    has no roster to browse: their list is their own record."""
    if request.user.role == Role.MEMBER and request.user.member_id:
        return redirect("organisations:member_detail", pk=request.user.member_id)
    member_filter, queryset = selectors.filtered_members(request.user, request.GET)
    paginator = selectors.MemberPaginator(
        queryset,
        PAGE_SIZE,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    for name in ("page", "after", "before"):
        query.pop(name, None)
    order, columns = _sorting(request)
    template = "organisations/member_list.html"
    if request.htmx and request.htmx.target == "member-table":
        template += "#member-table"
    manages = can_reveal_personal_data(request.user)
    return render(
        request,
        template,
        {
            "filter": member_filter,
            "page": page,
            "query": query.urlencode(),
            "can_create": manages,
            # Export and the import template serve those who keep the roster.
            "can_export": manages,
            # Beside the active roster, each row says whether the member is 正常, 已故, …
            "show_status": member_filter.data.get("status") != MemberStatus.ACTIVE,
            # The date the list is sorted by is shown, whichever it is.
            "show_birth_date": order.lstrip("-") == "birth_date",
            "order": order,
            "columns": columns,
            "active_filters": _active_filters(member_filter),
        },
    )


@party_data_required
def member_detail(request, pk):
    member = get_object_or_404(selectors.member_detail_queryset(request.user), pk=pk)
    editable = can_edit(request.user, member.organisation)
    return render(
        request,
        "organisations/member_detail.html",
        {
            "member": member,
            "periods": selectors.membership_history(member),
            "positions": member.positions.select_related("organisation").in_rank_order(),
            "can_edit": editable,
            "reveal_form": RevealForm() if editable else None,
            "sections": member_sections(request.user, member),
            "missing": member.missing_labels(),
        },
    )


# Clear ID numbers: never kept by a browser or proxy cache (Cache-Control: no-store).
@never_cache
@party_data_required
def member_reveal(request, pk):
    """Show the clear ID number after the user gives a reason; the reveal is audited."""
    member = get_object_or_404(Member.objects.editable_by(request.user), pk=pk)
    form = RevealForm(request.POST or None)
    revealed = None
    if request.method == "POST" and form.is_valid():
        try:
            revealed = services.member_reveal_id_number(
                actor=request.user,
                member=member,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
    template = "organisations/member_reveal.html"
    if request.htmx:
        template += "#reveal"
    return render(request, template, {"member": member, "form": form, "revealed": revealed})


def _member_form(request, member=None):
    if member is None:
        organisation = request.GET.get("organisation")
        form = MemberForm(
            request.POST or None,
            user=request.user,
            initial={"organisation": organisation} if organisation else {},
        )
    else:
        form = edit_form(
            MemberForm,
            request,
            member,
            user=request.user,
            id_number_masked=member.id_number_masked,
            missing=tuple(member.missing_fields()),
        )
        # Member.phone is the decrypted token, not a column model_to_dict would read.
        form.initial["phone"] = member.phone

    def save(data):
        if member is None:
            return services.member_create(actor=request.user, request=request, **data)
        return services.member_update(actor=request.user, member=member, request=request, **data)

    done = submit(
        request,
        form,
        lambda _data: save(form.service_kwargs()),
        success=_("党员信息已保存。"),
        next_url=lambda saved: reverse("organisations:member_detail", args=[saved.pk]),
    )
    if done:
        return done
    return render(request, "organisations/member_form.html", {"form": form, "member": member})


@party_data_required
def member_create(request):
    if not can_reveal_personal_data(request.user):
        raise Http404
    return _member_form(request)


@party_data_required
def member_update(request, pk):
    member = get_object_or_404(Member.objects.editable_by(request.user), pk=pk)
    return _member_form(request, member)
