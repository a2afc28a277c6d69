"""Token authentication: django-rest-knox's hashed, expiring tokens (projects/models/tokens.py),
sent as "Authorization: Token <token>" as before.

One query finds the token by its first characters, with its user and the user's profile (the role
every permission check reads); the digest of what was sent is compared in constant time. An
expired token answers 401 with the code token_expired. Authenticating never writes: knox's own
class deletes expired tokens as it meets them (a write on every read-only request of their
owner); here they are purged when a token is issued."""

import binascii
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import exceptions

# knox's tokens are 64 hex characters, DRF's former ones (carried over hashed) 40: nothing longer is a token.
MAX_TOKEN_LENGTH = 128


class TokenExpired(exceptions.AuthenticationFailed):
    default_detail = _("The token has expired. Ask for a new one (POST /api/auth/token/).")
    default_code = "token_expired"


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token):
        from projects.models.tokens import ApiToken

        invalid = exceptions.AuthenticationFailed(_("Invalid token."))
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            raise invalid from None
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise invalid
        try:
            digest = hash_token(token)
        except (TypeError, ValueError, binascii.Error):
            raise invalid from None
        candidates = ApiToken.objects.filter(token_key=token[:CONSTANTS.TOKEN_KEY_LENGTH]).select_related(
            "user", "user__profile")
        for auth_token in candidates:
            if compare_digest(digest, auth_token.digest):
                if auth_token.expiry is not None and auth_token.expiry <= timezone.now():
                    raise TokenExpired()
                if not auth_token.user.is_active:
                    raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
                return auth_token.user, auth_token
        raise invalid


class TokenScheme(OpenApiAuthenticationExtension):
    """The schema's security scheme for the tokens (drf-spectacular's knox extension does not match
    a subclass); named tokenAuth as before."""

    target_class = "projects.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
        scheme["description"] = (
            "令牌：POST /api/auth/token/ 换取，以 \"Authorization: Token <令牌>\" 发送；到期（TRACKER_API_TOKEN_DAYS）后返回 "
            "401 token_expired，请重新换取。 / A token from POST /api/auth/token/, sent as \"Authorization: Token "
            "<token>\"; once it expires (TRACKER_API_TOKEN_DAYS) requests answer 401 token_expired: ask for a new one.")
        return scheme
