"""drf-spectacular extensions (loaded from ``PlanningHubConfig.ready``)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as _AutoSchema


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "planning_hub.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "API token from `manage.py create_api_token` (`Token <key>` also accepted).",
        }


class AutoSchema(_AutoSchema):
    """Documents the error body on every operation: 400 (bad parameters or body), 401, 403,
    404 (unknown object or page), and on POST/DELETE 409 (state conflicts) and 415 (body media type)."""

    ERROR_CODES = ("400", "401", "403", "404")

    def _get_response_bodies(self, direction="response"):
        from .serializers import ErrorSerializer

        responses = super()._get_response_bodies(direction)
        codes = [*self.ERROR_CODES, *(("409", "415") if self.method in ("POST", "DELETE") else ())]
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ErrorSerializer, code, direction=direction
                )
        return responses
