"""REST authentication with a partner API key: `Authorization: Token fp_<prefix>_<secret>` (or `Bearer`).

Only the supplier endpoints (`partners.apis.supplier`) use it. The request's user is a
`PartnerPrincipal`: it sees only its partner's purchase orders and holds no staff permission.
A header that is not a partner key is left to the next authentication class.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from partners.models import Partner, PartnerApiKey
from partners.services import partner_api_key_authenticate
from partners.services.keys import KEY_PREFIX

KEYWORDS = ("Token", "Bearer")


class PartnerPrincipal:
    """The "user" of a request made with a partner key: authenticated, no staff permissions."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, api_key: PartnerApiKey) -> None:
        self.api_key = api_key
        self.partner: Partner = api_key.partner
        self.idempotency_scope = f"partner:{api_key.partner_id}"

    def __str__(self) -> str:
        return f"partner {self.partner.code}"

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        """A partner key holds no staff permission: it may only use the supplier endpoints."""
        return False

    def has_perms(self, perm_list: Any, obj: Any = None) -> bool:
        return False

    def get_username(self) -> str:
        return f"partner:{self.partner.code}"


class PartnerApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticate `Token fp_...` or `Bearer fp_...` headers as the partner that owns the key."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[PartnerPrincipal, PartnerApiKey] | None:
        header = authentication.get_authorization_header(request).split()
        if len(header) != 2 or header[0].decode(errors="replace") not in KEYWORDS:
            return None
        raw = header[1].decode(errors="replace")
        if not raw.startswith(KEY_PREFIX):
            return None
        api_key = partner_api_key_authenticate(raw)
        if api_key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked partner API key, or the partner is inactive.")
        return PartnerPrincipal(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class IsPartner(permissions.BasePermission):
    """Only a partner's API key may use the supplier endpoints (staff use /api/v1/purchase-orders)."""

    message = "Use a partner API key (Authorization: Token fp_...)."

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, PartnerPrincipal)


class PartnerApiKeyScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes partner keys."""

    target_class = "partners.auth.PartnerApiKeyAuthentication"
    name = "partnerApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A partner's API key: `Token fp_<prefix>_<secret>` (or `Bearer fp_...`). "
            "Sees only that partner's purchase orders.",
        }
