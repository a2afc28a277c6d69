from django.contrib import admin
from django.urls import include, path

from projects.admin.dashboard import dashboard

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/dashboard/", dashboard, name="tracker_dashboard"),
    path("admin/", admin.site.urls),
    path("api/", include("projects.api.urls")),
]
