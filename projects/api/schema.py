"""OpenAPI generation: every operation documents its error responses with the one error body
(projects/api/exceptions.py, ErrorSerializer)."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

from projects.api.exceptions import ErrorSerializer

DESCRIPTIONS = {
    "400": "Invalid input: `errors` names each bad field and why.",
    "401": "Not authenticated: send a token or log in.",
    "403": "Your role or unit does not allow this.",
    "404": "No such object.",
    "409": "Conflict: others depend on the object, or it changed meanwhile.",
    "413": "The request body is too large (DATA_UPLOAD_MAX_MEMORY_SIZE).",
    "429": "Too many attempts: wait and try again (login throttling).",
}


class TrackerAutoSchema(AutoSchema):
    def error_codes(self):
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        codes = [] if public else ["401", "403"]
        writes = self.method in ("POST", "PUT", "PATCH")
        if writes or self.method == "GET":
            codes.append("400")  # invalid input or invalid filter values
        if "{" in self.path or (self.method == "GET" and self._is_list_view() and self._get_paginator()):
            codes.append("404")  # no such object, or no such page of a list
        if writes or self.method == "DELETE":
            codes.append("409")
        if writes:
            codes.append("413")
        if self.view.get_throttles():
            codes.append("429")
        return codes

    def get_filter_backends(self):
        # Views answering one document built from a filtered list (the OC4IDS package) document
        # their filters too.
        if getattr(self.view, "filters_in_schema", False):
            return getattr(self.view, "filter_backends", [])
        return super().get_filter_backends()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self.error_codes():
            if code not in responses:
                response = OpenApiResponse(ErrorSerializer, description=DESCRIPTIONS[code])
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses
