"""drf-spectacular extensions (loaded from ``PlanningHubConfig.ready``)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "planning_hub.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "API token from `manage.py create_api_token` (`Token <key>` also accepted).",
        }
