"""API tokens in the admin: office staff see every token, issue one for any account (its text is
shown once, on the page that answers the form) and revoke (delete) any of them. The database
keeps only each token's hash: nobody, office staff included, can read a token back."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from projects.admin.common import state_badge
from projects.choices import Role
from projects.models.tokens import ApiToken, issue_token, revoke_tokens
from projects.services.roles import role_of

# knox registers its model under its own (English) name; the tracker's proxy replaces it.
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


class IssueTokenForm(forms.Form):
    user = forms.ModelChoiceField(queryset=None, label=_("account"))
    days = forms.IntegerField(label=_("valid for (days)"), min_value=1, max_value=3650)

    def __init__(self, *args, **kwargs):
        from django.conf import settings
        from django.contrib.auth import get_user_model

        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        self.fields["days"].initial = settings.TRACKER_API_TOKEN_DAYS
        self.fields["days"].help_text = _("Default: TRACKER_API_TOKEN_DAYS (%(days)s).") % {
            "days": settings.TRACKER_API_TOKEN_DAYS}


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Deleting a token revokes it: the machine using it gets 401 until it asks for a new one."""

    list_display = ["user", "prefix_display", "created", "expiry", "state"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    ordering = ["-created"]
    fields = ["user", "prefix_display", "created", "expiry", "state"]
    readonly_fields = fields
    actions = ["revoke_selected"]

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

    # --- issue: the token's text is shown on the answering page, never stored ------------------

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

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IssueTokenForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            token, text = issue_token(form.cleaned_data["user"], days=form.cleaned_data["days"])
            context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                       "title": _("Token issued"), "token": token, "text": text,
                       "changelist_url": reverse("admin:projects_apitoken_changelist")}
            # The admin's views are never_cache (Cache-Control: no-store …): the text stays out of caches.
            return TemplateResponse(request, "admin/projects/apitoken/issued.html", context)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "title": _("Issue an API token"), "has_view_permission": self.has_view_permission(request),
                   **(extra_context or {})}
        return TemplateResponse(request, "admin/projects/apitoken/issue.html", context)
