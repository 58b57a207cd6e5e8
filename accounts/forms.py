from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from organisations.models import Member, Organisation

from .models import User


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
            raise forms.ValidationError(_("当前密码不正确。"))
        return password

    def clean(self):
        data = super().clean()
        new, again = data.get("new_password"), data.get("new_password_again")
        if new and again and new != again:
            self.add_error("new_password_again", _("两次输入的新密码不一致。"))
        if new and data.get("old_password") == new:
            self.add_error("new_password", _("新密码不能与当前密码相同。"))
        return data


class AccountForm(forms.ModelForm):
    """Input of the security officer's account form; the service does the saving."""

    class Meta:
        model = User
        fields = [
            "username",
            "display_name",
            "phone",
            "role",
            "organisation",
            "member",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.order_by("path")
        # The member link is chosen by id (Tom Select searches); no full list on the page.
        self.fields["member"].queryset = Member.objects.all()
        self.fields["member"].widget = forms.NumberInput(attrs={"placeholder": _("党员编号")})
        self.fields["member"].help_text = _("党员档案编号（党员详情页地址中的数字）。")


class UnlockForm(forms.Form):
    username = forms.CharField(label=_("用户名"), required=False)
    ip_address = forms.GenericIPAddressField(label=_("IP 地址"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("username") and not data.get("ip_address"):
            raise forms.ValidationError(_("请填写用户名或 IP 地址。"))
        return data
