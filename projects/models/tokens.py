"""API tokens for machines (POST /api/auth/token/): django-rest-knox's tokens, stored hashed.

The database keeps, of each token, its SHA-512 digest and its first 15 characters (to find the row);
the token itself is shown once, to whoever asked for it, and cannot be read back. Every token
expires TRACKER_API_TOKEN_DAYS days after it was issued; an account holds at most
TRACKER_API_TOKENS_PER_USER live tokens (issuing one more revokes the oldest). Revoking a token
deletes its row."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

# How much of a token the admin shows, to tell tokens apart (the database keeps 15 characters).
SHOWN_PREFIX = 8


class ApiToken(AuthToken):
    """knox's AuthToken under the tracker's names (the admin lists it with the projects' records)."""

    class Meta:
        proxy = True
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    @property
    def prefix(self):
        return f"{self.token_key[:SHOWN_PREFIX]}…"

    @property
    def is_expired(self):
        return self.expiry is not None and self.expiry <= timezone.now()

    def __str__(self):
        return f"{self.user.get_username()} {self.prefix}"


def token_lifetime(days=None):
    return datetime.timedelta(days=settings.TRACKER_API_TOKEN_DAYS if days is None else days)


def issue_token(user, *, days=None):
    """A new token for `user`: (ApiToken, the token's text). Expired tokens are purged and, beyond
    TRACKER_API_TOKENS_PER_USER live ones, the user's oldest tokens revoked."""
    from projects.audit import audit_event

    now = timezone.now()
    with transaction.atomic():
        ApiToken.objects.filter(expiry__lte=now).delete()
        instance, text = ApiToken.objects.create(user=user, expiry=token_lifetime(days))
        keep = settings.TRACKER_API_TOKENS_PER_USER
        surplus = list(ApiToken.objects.filter(user=user).order_by("-created", "-digest")
                       .values_list("digest", flat=True)[keep:])
        if surplus:
            ApiToken.objects.filter(digest__in=surplus).delete()
        instance = ApiToken.objects.select_related("user").get(pk=instance.pk)
        audit_event("token.issued", account=user.get_username(), token=instance.prefix,
                    expiry=instance.expiry.isoformat() if instance.expiry else None, revoked_oldest=len(surplus))
    return instance, text


def revoke_tokens(tokens):
    """Deletes `tokens` (a queryset of ApiToken); audited one line per account."""
    from projects.audit import audit_event

    with transaction.atomic():
        revoked = list(tokens.select_related("user"))
        ApiToken.objects.filter(digest__in=[t.digest for t in revoked]).delete()
        for token in revoked:
            audit_event("token.revoked", account=token.user.get_username(), token=token.prefix)
    return len(revoked)
