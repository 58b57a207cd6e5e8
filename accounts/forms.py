from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from organisations.models import Member, Organisation

from .models import PRIVILEGED_ROLES, Role, User
from .services import PRIVILEGED_ROLE_MESSAGE


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("用户名或手机号"), max_length=150, widget=forms.TextInput(attrs={"autofocus": True})
    )
    password = forms.CharField(label=_("密码"), strip=False, widget=forms.PasswordInput)

    error_messages = {
        "invalid_login": _(
            "用户名（手机号）或密码不正确。连续失败 %(limit)s 次将锁定 %(minutes)s 分钟。"
        ),
        "inactive": _("该账号已停用，请联系安全员。"),
    }

    def get_invalid_login_error(self):
        # The lockout numbers are the settings axes enforces, never copied into the text.
        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={
                "limit": settings.AXES_FAILURE_LIMIT,
                "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            },
        )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("当前密码"), strip=False, widget=forms.PasswordInput)
    new_password = forms.CharField(
        label=_("新密码"),
        strip=False,
        widget=forms.PasswordInput,
        help_text=password_validators_help_text_html(),
    )
    new_password_again = forms.CharField(
        label=_("再次输入新密码"), strip=False, widget=forms.PasswordInput
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_old_password(self):
        password = self.cleaned_data["old_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("当前密码不正确。"), code="wrong_password")
        return password

    def clean(self):
        data = super().clean()
        new, again = data.get("new_password"), data.get("new_password_again")
        if new and again and new != again:
            self.add_error("new_password_again", _("两次输入的新密码不一致。"))
        if new and data.get("old_password") == new:
            self.add_error("new_password", _("新密码不能与当前密码相同。"))
        return data


def _model_field(name: str) -> forms.Field:
    return User._meta.get_field(name).formfield()


class AccountForm(forms.Form):
    """Input of the security officer's account form. Never bound to the stored account: the
    service loads it, compares, saves and audits (a bound ModelForm would change the instance
    while validating, and the service would see no change)."""

    MANAGED_ROLES = [(role.value, role.label) for role in Role if role not in PRIVILEGED_ROLES]

    username = _model_field("username")
    display_name = _model_field("display_name")
    phone = _model_field("phone")
    role = forms.ChoiceField(
        label=_("角色"),
        choices=MANAGED_ROLES,
        error_messages={"invalid_choice": PRIVILEGED_ROLE_MESSAGE},
    )
    organisation = forms.ModelChoiceField(
        label=_("所在党组织"),
        queryset=Organisation.objects.order_by("path"),
        required=False,
        help_text=_("书记/党务干部的工作范围：该党组织及其下级。"),
    )
    # The member link is chosen by id (Tom Select searches); no full list on the page.
    member = forms.ModelChoiceField(
        label=_("党员档案"),
        queryset=Member.objects.all(),
        required=False,
        widget=forms.NumberInput(attrs={"placeholder": _("党员编号")}),
        help_text=_(
            "党员档案编号。为党员开通账号，一般由其党组织书记/党务干部在“账号申请”中提出，"
            "在“签发账号”中签发，无需在此填写。"
        ),
    )
    is_active = forms.BooleanField(label=_("有效"), required=False, initial=True)

    def __init__(self, *args, account: User | None = None, **kwargs):
        if account is not None:
            kwargs.setdefault("initial", {name: value for name, value in self.stored(account)})
        super().__init__(*args, **kwargs)
        if account is not None and account.is_privileged:
            # 三员: the role of these accounts changes on the server's command line only.
            self.fields["role"].choices = [(account.role, account.get_role_display())]
            self.fields["role"].disabled = True
            self.fields["role"].help_text = PRIVILEGED_ROLE_MESSAGE

    @staticmethod
    def stored(account: User):
        yield "username", account.username
        yield "display_name", account.display_name
        yield "phone", account.phone or ""
        yield "role", account.role
        yield "organisation", account.organisation_id
        yield "member", account.member_id
        yield "is_active", account.is_active


class UnlockForm(forms.Form):
    username = forms.CharField(label=_("用户名"), required=False)
    ip_address = forms.GenericIPAddressField(label=_("IP 地址"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("username") and not data.get("ip_address"):
            raise forms.ValidationError(_("请填写用户名或 IP 地址。"))
        return data


class AccountRequestForm(forms.Form):
    """One member's account request (the member is chosen from the page's list)."""

    member = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(
        label=_("角色"),
        choices=[
            (Role.MEMBER.value, Role.MEMBER.label),
            (Role.SECRETARY.value, Role.SECRETARY.label),
        ],
        initial=Role.MEMBER,
        error_messages={"invalid_choice": PRIVILEGED_ROLE_MESSAGE},
    )


class OrganisationAccountsForm(forms.Form):
    """Accounts for every member of an organisation who has none."""

    organisation = forms.ModelChoiceField(
        label=_("党组织"),
        queryset=Organisation.objects.none(),
        error_messages={"invalid_choice": _("请选择您工作范围内的党组织。")},
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class RejectRequestForm(forms.Form):
    note = forms.CharField(label=_("退回原因"), max_length=200)
