"""API tokens in the admin: office staff see every token and revoke (delete) any of them."""

from django.contrib import admin
from rest_framework.authtoken.admin import TokenAdmin as BaseTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from projects.choices import Role
from projects.services.roles import role_of

admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenAdmin(BaseTokenAdmin):
    """Deleting a token revokes it: the machine using it gets 401 until it asks for a new one."""

    def _office(self, request):
        return role_of(request.user) == Role.OFFICE

    def has_module_permission(self, request):
        return self._office(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._office(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return self._office(request) or super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self._office(request) or super().has_delete_permission(request, obj)
