"""API tokens in the admin: office staff see every token, issue one for any account (its text is
shown once, on the page that answers the form, and never stored) and revoke (delete) any of them.
The database keeps only each token's hash: nobody, office staff included, can read a token back."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from projects.admin.common import state_badge
from projects.choices import Role
from projects.models.tokens import ApiToken, issue_token, revoke_tokens
from projects.services.roles import role_of

# knox registers its model under its own (English) name; the tracker's proxy replaces it.
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


class IssueTokenForm(forms.ModelForm):
    """The account and how long the token is valid; the token itself is made by issue_token()."""

    days = forms.IntegerField(label=_("valid for (days)"), min_value=1, max_value=3650)

    class Meta:
        model = ApiToken
        fields = ["user"]
        labels = {"user": _("account")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        self.fields["days"].initial = settings.TRACKER_API_TOKEN_DAYS
        self.fields["days"].help_text = _("Default: TRACKER_API_TOKEN_DAYS (%(days)s).") % {
            "days": settings.TRACKER_API_TOKEN_DAYS}


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Deleting a token revokes it: the machine using it gets 401 until it asks for a new one."""

    add_form = IssueTokenForm
    # knox's fields have English names: the columns carry the tracker's.
    list_display = ["account", "prefix_display", "issued", "expires", "state"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    ordering = ["-created"]
    readonly_fields = ["account", "prefix_display", "issued", "expires", "state"]
    actions = ["revoke_selected"]

    @admin.display(description=_("account"), ordering="user__username")
    def account(self, obj):
        return obj.user.get_username()

    @admin.display(description=_("issued"), ordering="created")
    def issued(self, obj):
        return date_format(timezone.localtime(obj.created), "DATETIME_FORMAT")

    @admin.display(description=_("expires"), ordering="expiry")
    def expires(self, obj):
        return date_format(timezone.localtime(obj.expiry), "DATETIME_FORMAT") if obj.expiry else "—"

    @admin.display(description=_("token begins with"))
    def prefix_display(self, obj):
        return obj.prefix

    @admin.display(description=_("state"))
    def state(self, obj):
        return state_badge(_("expired"), "bad") if obj.is_expired else state_badge(_("valid"), "good")

    # --- who may: office staff (or Django permissions given by hand) ---------------------------

    def _office(self, request):
        return role_of(request.user) == Role.OFFICE

    def has_module_permission(self, request):
        return self._office(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._office(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return self._office(request) or super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return False  # a token is issued or revoked, never edited

    def has_delete_permission(self, request, obj=None):
        return self._office(request) or super().has_delete_permission(request, obj)

    # --- the add form issues a token -------------------------------------------------------------

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
            kwargs["fields"] = ["user", "days"]
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ["user", "days"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return
        issued, text = issue_token(form.cleaned_data["user"], days=form.cleaned_data["days"])
        obj.pk, obj.token_key, obj.created, obj.expiry = issued.pk, issued.token_key, issued.created, issued.expiry
        obj._state.adding = False
        request._issued_token_text = text  # shown once by response_add, kept nowhere

    def response_add(self, request, obj, post_url_continue=None):
        # The admin's views are never_cache (Cache-Control: no-store …): the text stays out of caches.
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": _("Token issued"),
                   "token": obj, "text": request._issued_token_text,
                   "changelist_url": reverse("admin:projects_apitoken_changelist")}
        return TemplateResponse(request, "admin/projects/apitoken/issued.html", context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if add:
            context["title"] = _("Issue an API token")
            context["issue_note"] = True
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- revoking --------------------------------------------------------------------------------

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Revoke the selected tokens"), permissions=["delete"])
    def revoke_selected(self, request, queryset):
        count = revoke_tokens(queryset)
        self.message_user(request, _("%(count)d tokens revoked.") % {"count": count}, messages.SUCCESS)

    def delete_model(self, request, obj):
        revoke_tokens(ApiToken.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        revoke_tokens(queryset)
