from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from projects import media
from projects.admin import dashboard, rollover, todo

urlpatterns = [
    # The site's front door is the admin (its login page for a visitor).
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False), name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/dashboard/", include(dashboard.urlpatterns)),
    path("admin/todo/", include(todo.urlpatterns)),
    path("admin/rollover/", include(rollover.urlpatterns)),
    path("admin/", admin.site.urls),
    path("api/", include("projects.api.urls")),
    # Photos and documents, after a role check (never a public MEDIA_URL).
    path("files/attachments/", include(media.urlpatterns)),
]

handler400 = "projects.api.exceptions.bad_request"
handler404 = "projects.api.exceptions.not_found"
handler500 = "projects.api.exceptions.server_error"
