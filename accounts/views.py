from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.editing import service_errors
from core.permissions import role_required

from . import selectors, services, sessions
from .forms import (
    AccountForm,
    AccountRequestForm,
    LoginForm,
    OrganisationAccountsForm,
    PasswordChangeForm,
    RejectRequestForm,
    UnlockForm,
)
from .models import Role, User

ACCOUNT_STATE_LABELS = [
    ("locked", gettext_lazy("锁定")),
    ("never_used", gettext_lazy("从未登录")),
    ("initial_password", gettext_lazy("待改初始密码")),
    ("inactive", gettext_lazy("停用")),
]


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        auth_login(self.request, user)
        sessions.stamp_sign_in(self.request)
        services.login_recorded(user=user, request=self.request)
        return redirect(self.get_success_url())

    def form_invalid(self, form):
        services.login_failed_recorded(
            username=self.request.POST.get("username", ""), request=self.request
        )
        return super().form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["timed_out"] = "timeout" in self.request.GET
        return context


def locked_out(request, original_response=None, credentials=None):
    """django-axes calls this when an account or address is locked out."""
    username = (credentials or {}).get("username", "") or request.POST.get("username", "")
    services.lockout_recorded(username=username, request=request)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes},
        status=429,
    )


@require_POST
def logout(request):
    if request.user.is_authenticated:
        services.logout_recorded(user=request.user, request=request)
    auth_logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


def _signed_out_locked(request, credentials):
    """Wrong current passwords lock the account at this address as failed sign-ins do; the
    session that tried them ends."""
    auth_logout(request)
    # The lockout page is answered here; AxesMiddleware need not answer it a second time.
    request.axes_locked_out = False
    return locked_out(request, credentials=credentials)


@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None, user=request.user)
    credentials = {"username": request.user.get_username()}
    if request.method == "POST" and AxesProxyHandler.is_locked(request, credentials):
        return _signed_out_locked(request, credentials)
    if request.method == "POST" and form.has_error("old_password", "wrong_password"):
        services.password_change_failed(user=request.user, request=request)
        if getattr(request, "axes_locked_out", False):
            return _signed_out_locked(request, credentials)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=request.user, new_password=form.cleaned_data["new_password"], request=request
            )
        except ValidationError as exc:
            form.add_error("new_password", exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改。"))
            return redirect("core:home")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "max_age_days": settings.PASSWORD_MAX_AGE_DAYS},
    )


@never_cache
@login_required
def api_token(request):
    """API 令牌: tokens for scripts using REST API v1, with the same scope as the account.

    A new token is shown once, on the response to the POST that made it (never cached);
    the list shows each token's first characters and expiry, and each can be revoked."""
    if not request.user.reads_party_data:
        raise Http404
    key = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "create":
                _token, key = services.api_token_create(user=request.user, request=request)
            elif action == "revoke":
                token = get_object_or_404(
                    selectors.api_tokens_of(request.user), digest=request.POST.get("token", "")
                )
                services.api_token_revoke(user=request.user, token=token, request=request)
                messages.success(request, _("令牌已吊销。"))
                return redirect("accounts:api_token")
            elif action == "revoke_all":
                count = services.api_tokens_revoke(
                    actor=request.user, user=request.user, request=request
                )
                done = ngettext("已吊销 %(n)d 个令牌。", "已吊销 %(n)d 个令牌。", count)
                messages.success(request, done % {"n": count})
                return redirect("accounts:api_token")
            else:
                return HttpResponseBadRequest(_("未知的操作。"))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("accounts:api_token")
    return render(
        request,
        "accounts/api_token.html",
        {
            "key": key,
            "tokens": selectors.api_tokens_of(request.user),
            "ttl_days": settings.API_TOKEN_TTL_DAYS,
        },
    )


@login_required
@require_POST
def notification_read(request, pk):
    notification = get_object_or_404(request.user.notifications.unread(), pk=pk)
    services.notification_mark_read(actor=request.user, notification=notification)
    return redirect(notification.link or "core:home")


@role_required(Role.SECURITY_OFFICER)
def account_list(request):
    role = request.GET.get("role", "")
    query = request.GET.get("q", "").strip()
    state = request.GET.get("state", "")
    accounts = selectors.account_list(role=role, query=query, state=state)
    page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    locked = selectors.locked_usernames()
    kept = request.GET.copy()
    kept.pop("page", None)
    return render(
        request,
        "accounts/account_list.html",
        {
            "page": page,
            "roles": Role.choices,
            "role": role,
            "q": query,
            "state": state,
            "states": ACCOUNT_STATE_LABELS,
            "locked": locked,
            "query": kept.urlencode(),
        },
    )


def _account_form(request, account=None):
    form = AccountForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if account is None:
                created, password = services.account_create(
                    actor=request.user, request=request, **data
                )
                return render(
                    request,
                    "accounts/initial_password.html",
                    {"account": created, "password": password},
                )
            services.account_update(actor=request.user, user=account, request=request, **data)
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            messages.success(request, _("账号已保存。"))
            return redirect("accounts:account_list")
    return render(request, "accounts/account_form.html", {"form": form, "account": account})


@role_required(Role.SECURITY_OFFICER)
def account_create(request):
    return _account_form(request)


@role_required(Role.SECURITY_OFFICER)
def account_update(request, pk):
    return _account_form(request, get_object_or_404(User, pk=pk))


@role_required(Role.SECURITY_OFFICER)
@require_http_methods(["GET", "POST"])
def account_reset_password(request, pk):
    """重置密码: the page asks to confirm (GET); the confirmed form resets (POST)."""
    user = get_object_or_404(User, pk=pk)
    if request.method == "GET":
        if user.is_privileged:
            messages.error(request, services.PRIVILEGED_ROLE_MESSAGE)
            return redirect("accounts:account_list")
        return render(request, "accounts/reset_confirm.html", {"account": user})
    try:
        password = services.account_reset_password(actor=request.user, user=user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts:account_list")
    return render(
        request, "accounts/initial_password.html", {"account": user, "password": password}
    )


@role_required(Role.SECURITY_OFFICER)
def session_list(request):
    """在线会话: who is signed in, from where, with which browser; the security officer can
    sign a session out. Sessions are named by public ids, never by their keys."""
    if request.method == "POST":
        ids = request.POST.getlist("session")
        count = services.sessions_end(actor=request.user, session_ids=ids, request=request)
        messages.success(
            request,
            ngettext("已结束 %(n)d 个会话。", "已结束 %(n)d 个会话。", count) % {"n": count},
        )
        return redirect("accounts:sessions")
    own = request.session.session_key
    return render(
        request,
        "accounts/sessions.html",
        {
            "sessions": selectors.active_sessions(),
            "own": sessions.public_id(own) if own else None,
            "idle_minutes": settings.SESSION_IDLE_SECONDS // 60,
            "max_hours": settings.SESSION_MAX_SECONDS // 3600,
        },
    )


@role_required(Role.SECURITY_OFFICER)
def lockout_list(request):
    form = UnlockForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        count = services.account_unlock(actor=request.user, request=request, **form.cleaned_data)
        messages.success(
            request,
            ngettext(
                "已解除锁定（清除 %(n)d 条失败记录）。",
                "已解除锁定（清除 %(n)d 条失败记录）。",
                count,
            )
            % {"n": count},
        )
        return redirect("accounts:lockouts")
    return render(
        request,
        "accounts/lockouts.html",
        {
            "attempts": selectors.failed_logins(),
            "locked_addresses": sorted(selectors.locked_addresses()),
            "form": form,
            "limit": settings.AXES_FAILURE_LIMIT,
            "address_limit": settings.LOCKOUT_ADDRESS_FAILURES,
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )


# 账号申请: secretaries ask, the security officer issues, secretaries print the sheet.

REQUESTERS = (Role.SECRETARY, Role.COMMITTEE_ADMIN)


def _back_to(request) -> str:
    """Where a request made from another page (a member's record) returns: its `next`, if it
    is a path of this site; else the 账号申请 page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("accounts:account_requests")


@role_required(*REQUESTERS)
def account_requests(request):
    """账号申请: members of the secretary's subtree without an account, one request each or
    all of an organisation at once; the requests and their state."""
    organisations = selectors.requestable_organisations(request.user)
    bulk_form = OrganisationAccountsForm(
        request.POST if request.POST.get("action") == "all" else None,
        organisations=organisations,
    )
    one_form = AccountRequestForm(request.POST if request.POST.get("action") == "one" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "all" and bulk_form.is_valid():
                made = services.account_requests_for_organisation(
                    actor=request.user,
                    organisation=bulk_form.cleaned_data["organisation"],
                    request=request,
                )
                messages.success(
                    request,
                    ngettext(
                        "已提交 %(n)d 个账号申请，等待安全员签发。",
                        "已提交 %(n)d 个账号申请，等待安全员签发。",
                        len(made),
                    )
                    % {"n": len(made)},
                )
                return redirect("accounts:account_requests")
            if action == "one" and one_form.is_valid():
                member = get_object_or_404(
                    selectors.members_without_account(request.user),
                    pk=one_form.cleaned_data["member"],
                )
                services.account_request_create(
                    actor=request.user,
                    member=member,
                    role=one_form.cleaned_data["role"],
                    request=request,
                )
                messages.success(request, _("已为 %(name)s 提交账号申请。") % {"name": member.name})
                return redirect(_back_to(request))
            if action not in ("all", "one"):
                return HttpResponseBadRequest(_("未知的操作。"))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(_back_to(request))
        for form in (bulk_form, one_form):
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                for error in errors:
                    messages.error(request, f"{label}：{error}" if label else error)
        status = 400
    else:
        status = 200
    page = Paginator(selectors.members_without_account(request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/account_requests.html",
        {
            "page": page,
            "bulk_form": bulk_form,
            "roles": AccountRequestForm.base_fields["role"].choices,
            "requests": selectors.account_requests_of(request.user)[:30],
            "sheet_count": selectors.sheet_requests(request.user).count(),
        },
        status=status,
    )


@never_cache
@role_required(*REQUESTERS)
def account_sheet(request):
    """开通账号通知单: the initial passwords of accounts issued for the secretary's subtree and
    not yet changed, to print and hand out. Showing it is audited."""
    organisation_id = request.GET.get("organisation") or None
    if organisation_id is not None and not str(organisation_id).isdigit():
        return HttpResponseBadRequest(_("党组织参数无效。"))
    rows = list(selectors.sheet_requests(request.user, organisation_id and int(organisation_id)))
    services.account_sheet_viewed(actor=request.user, requests=rows, request=request)
    return render(
        request,
        "accounts/account_sheet.html",
        {"rows": rows, "login_url": request.build_absolute_uri(reverse("accounts:login"))},
    )


@role_required(Role.SECURITY_OFFICER)
def account_request_queue(request):
    """签发账号: pending requests with only name, organisation and role; issue the chosen ones
    or send one back."""
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("request") if i.isdigit()]
        if not ids:
            messages.error(request, _("请先选择要签发的申请。"))
            return redirect("accounts:account_request_queue")
        try:
            issued = services.account_requests_issue(
                actor=request.user, request_ids=ids, request=request
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                ngettext(
                    "已签发 %(n)d 个账号；初始密码在申请组织的开通账号通知单上。",
                    "已签发 %(n)d 个账号；初始密码在申请组织的开通账号通知单上。",
                    len(issued),
                )
                % {"n": len(issued)},
            )
        return redirect("accounts:account_request_queue")
    return render(
        request,
        "accounts/account_request_queue.html",
        {
            "pending": list(selectors.issuing_queue(request.user)[: selectors.QUEUE_SHOWN]),
            "decided": selectors.recently_decided(request.user),
            "reject_form": RejectRequestForm(),
        },
    )


@role_required(Role.SECURITY_OFFICER)
@require_POST
def account_request_reject(request, pk):
    account_request = get_object_or_404(selectors.issuing_queue(request.user), pk=pk)
    form = RejectRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("退回原因：") + " ".join(form.errors["note"]))
        return redirect("accounts:account_request_queue")
    try:
        services.account_request_reject(
            actor=request.user,
            account_request=account_request,
            note=form.cleaned_data["note"],
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已退回 %(name)s 的申请。") % {"name": account_request.name})
    return redirect("accounts:account_request_queue")
