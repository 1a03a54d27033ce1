"""How the OpenAPI schema describes API key authentication (loaded in ``OrgsConfig.ready``)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class APIKeyScheme(OpenApiAuthenticationExtension):
    target_class = "annexa.orgs.api.authentication.APIKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An Annexa API key (anx_…), issued on the API keys page or by "
            "`annexa apikey create`; it acts only in its own organization.",
        }
