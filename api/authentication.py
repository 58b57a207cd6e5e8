"""API token authentication: django-rest-knox's hashed, expiring tokens.

Only a SHA-512 digest of each token is stored (accounts.services.api_token_create shows the
token once). Every refusal gives one Chinese message, whatever the cause (malformed header,
unknown, expired or revoked token, inactive account), so a caller learns nothing about which."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth as knox_auth
from rest_framework import exceptions


class TokenAuthentication(knox_auth.TokenAuthentication):
    def authenticate(self, request):
        try:
            return super().authenticate(request)
        # knox decodes the key as UTF-8: a header with other bytes would be a server error.
        except (exceptions.AuthenticationFailed, UnicodeDecodeError) as exc:
            raise exceptions.AuthenticationFailed(
                _("API 令牌无效、已过期或已吊销，请在“API 令牌”页面重新生成。")
            ) from exc

    def _cleanup_token(self, auth_token) -> bool:
        """True when this token has expired (it is then deleted and refused).

        knox would also read and sweep the owner's other tokens on every request, a query per
        API call; expired tokens are refused anyway and the owner's are swept when they next
        make one (accounts.services.api_token_create)."""
        if auth_token.expiry is not None and auth_token.expiry <= timezone.now():
            auth_token.delete()
            return True
        return False


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of our subclass: knox's, `Authorization: Token <key>`."""

    target_class = "api.authentication.TokenAuthentication"
