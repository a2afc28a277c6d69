"""The site's 500 page: the error shape in JSON under /api/, a plain page elsewhere; both name the
request id, which the user can quote and the operator finds in the logs."""

from django.http import HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _


def server_error(request):
    request_id = getattr(request, "request_id", None)
    if request.path.startswith("/api/"):
        return JsonResponse({"status": 500, "code": "server_error",
                             "detail": _("A server error occurred. Quote the request id to the administrator."),
                             "errors": [], "request_id": request_id}, status=500)
    # No context processors, no database: this page must render when everything else fails.
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"request_id": request_id}))
