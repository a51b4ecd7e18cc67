"""Carrier accounts: create and edit them with their encrypted credentials, and test the connection.

Credentials never leave this module in clear except through `connector_for` (to call the
carrier) and `stored_credentials` (to show them masked). A credential left blank on edit keeps
the stored value, so staff never have to type a secret again to change a location.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import httpx
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from carriers.connectors import connector_for
from carriers.connectors.base import CarrierError
from carriers.models import CarrierAccount, LabelFormat, Provider
from core.crypto import credentials_decrypt, credentials_encrypt
from core.errors import DomainError, ValidationFailed
from inventory.models import Location


@dataclass(frozen=True)
class CredentialField:
    """One credential a provider needs: the key the connector reads and the label staff see."""

    name: str
    label: str


#: What each provider's connector needs to authenticate, in the order the form shows them.
CREDENTIAL_FIELDS: dict[str, tuple[CredentialField, ...]] = {
    Provider.EASYPOST: (CredentialField("api_key", "API key"), CredentialField("webhook_secret", "Webhook secret")),
    Provider.SHIPPO: (CredentialField("api_token", "API token"), CredentialField("webhook_secret", "Webhook secret")),
    Provider.UPS: (
        CredentialField("client_id", "Client ID"),
        CredentialField("client_secret", "Client secret"),
        CredentialField("account_number", "Account number"),
    ),
    Provider.BUILTIN: (),
}
#: Account codes that would collide with the carrier pages' own URLs.
RESERVED_CODES = frozenset({"new", "boxes", "webhooks"})
_SANDBOX_URL = re.compile(r"^sandbox://(?P<name>[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9_-]+)*)/?$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_MESSAGE_LENGTH = CarrierAccount._meta.get_field("last_check_message").max_length or 300


def sandbox_url(provider: str) -> str:
    """The base URL of the in-product sandbox for a provider."""
    return f"sandbox://{provider}"


def account_mode(base_url: str) -> str:
    """The account's mode from where it points: "sandbox", "test" or "live".

    Blank is the provider's production address; UPS's test environment is its "CIE" host.
    """
    if base_url.startswith("sandbox://"):
        return "sandbox"
    host = httpx.URL(base_url).host if base_url else ""
    if host.startswith(("wwwcie.", "sandbox.", "test.")) or ".sandbox." in host:
        return "test"
    return "live"


def stored_credentials(account: CarrierAccount) -> dict[str, str]:
    """The account's credentials, decrypted (empty if it has none)."""
    return credentials_decrypt(account.credentials)


def _check_code(code: str) -> str:
    code = (code or "").strip().lower()
    if not code:
        raise ValidationFailed("Enter a code.", field="code")
    if not _CODE.match(code):
        raise ValidationFailed("Use lowercase letters, digits, hyphens and underscores only.", field="code")
    if code in RESERVED_CODES:
        raise ValidationFailed(f"{code!r} is reserved for the carrier pages; choose another code.", field="code")
    if CarrierAccount.objects.filter(code=code).exists():
        raise ValidationFailed(f"Another account already uses the code {code!r}.", field="code")
    return code


def _check_base_url(provider: str, base_url: str) -> str:
    base_url = (base_url or "").strip()
    if provider == Provider.BUILTIN:
        # The built-in carrier runs inside the product: there is no address to call.
        return ""
    if not base_url:
        return ""
    found = _SANDBOX_URL.match(base_url)
    if base_url.startswith("sandbox://"):
        if not found:
            raise ValidationFailed(
                f"Write the sandbox address as {sandbox_url(provider)} (or {sandbox_url(provider)}.<name>).",
                field="base_url",
            )
        kind = found["name"].split(".")[0]
        if kind != provider:
            raise ValidationFailed(
                f"sandbox://{kind} answers as {kind}, not {Provider(provider).label}: use {sandbox_url(provider)}.",
                field="base_url",
            )
        return base_url.rstrip("/")
    try:
        URLValidator(schemes=["https", "http"])(base_url)
    except ValidationError:
        raise ValidationFailed(
            "Enter an https:// address, a sandbox:// address, or leave it blank for production.", field="base_url"
        ) from None
    return base_url.rstrip("/")


def missing_credentials(
    provider: str, stored: Mapping[str, str], entered: Mapping[str, str]
) -> list[tuple[CredentialField, str]]:
    """The provider's credentials neither typed nor stored, each with the message that asks for it."""
    name = Provider(provider).label
    return [
        (spec, f"Enter the {name} {spec.label} ({name} needs it to sign in).")
        for spec in CREDENTIAL_FIELDS[provider]
        if not ((entered.get(spec.name) or "").strip() or stored.get(spec.name, ""))
    ]


def _merged_credentials(provider: str, stored: Mapping[str, str], entered: Mapping[str, str]) -> dict[str, str]:
    """The provider's credentials after an edit: what was typed, else what was stored."""
    if missing := missing_credentials(provider, stored, entered):
        spec, message = missing[0]
        raise ValidationFailed(message, field=spec.name)
    return {
        spec.name: (entered.get(spec.name) or "").strip() or stored.get(spec.name, "")
        for spec in CREDENTIAL_FIELDS[provider]
    }


def _check_locations(location_ids: Iterable[int]) -> list[int]:
    wanted = sorted(set(location_ids))
    found = set(Location.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if missing := [pk for pk in wanted if pk not in found]:
        raise ValidationFailed(f"Unknown location {missing[0]}.", field="locations")
    return wanted


def _check_fields(name: str, label_format: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Enter a name staff will recognise, e.g. EasyPost (Dallas).", field="name")
    if label_format not in LabelFormat.values:
        raise ValidationFailed("Choose PDF or ZPL labels.", field="label_format")
    return name


def carrier_account_create(
    *,
    code: str,
    name: str,
    provider: str,
    base_url: str,
    credentials: Mapping[str, str],
    location_ids: Iterable[int],
    label_format: str = LabelFormat.PDF,
    is_active: bool = True,
) -> CarrierAccount:
    """Add a carrier account with its credentials (encrypted) and the locations that may use it.

    Raises `ValidationFailed` naming the field at fault, e.g. the credential a provider needs.
    """
    if provider not in Provider.values:
        raise ValidationFailed("Choose a provider.", field="provider")
    name = _check_fields(name, label_format)
    code = _check_code(code)
    base_url = _check_base_url(provider, base_url)
    secrets = _merged_credentials(provider, {}, credentials)
    locations = _check_locations(location_ids)
    with transaction.atomic():
        account = CarrierAccount.objects.create(
            code=code,
            name=name,
            provider=provider,
            base_url=base_url,
            credentials=credentials_encrypt(secrets) if secrets else "",
            label_format=label_format,
            is_active=is_active,
        )
        account.locations.set(locations)
    return account


def carrier_account_update(
    *,
    account: CarrierAccount,
    name: str,
    base_url: str,
    credentials: Mapping[str, str],
    location_ids: Iterable[int],
    label_format: str,
    is_active: bool,
) -> CarrierAccount:
    """Change an account; a credential left blank keeps its stored value. Code and provider stay.

    A new address or new credentials make the last connection check stale, so it is cleared.
    """
    name = _check_fields(name, label_format)
    base_url = _check_base_url(account.provider, base_url)
    stored = stored_credentials(account) if account.credentials else {}
    secrets = _merged_credentials(account.provider, stored, credentials)
    locations = _check_locations(location_ids)
    with transaction.atomic():
        locked = CarrierAccount.objects.select_for_update().get(pk=account.pk)
        connection_changed = locked.base_url != base_url or secrets != stored
        locked.name = name
        locked.base_url = base_url
        if secrets != stored:
            locked.credentials = credentials_encrypt(secrets) if secrets else ""
        locked.label_format = label_format
        locked.is_active = is_active
        if connection_changed:
            locked.last_checked_at = None
            locked.last_check_ok = None
            locked.last_check_message = ""
        locked.save()
        locked.locations.set(locations)
    return locked


def account_check(account: CarrierAccount) -> CarrierAccount:
    """Ask the carrier whether the account's address and credentials work, and record the answer.

    The call runs with no transaction or row lock held (it may take seconds); only the result
    is written. A refusal or an outage is a result, not an error: its message is stored.
    """
    try:
        message = connector_for(account).check()
        ok = True
    except CarrierError as exc:  # refused, or CarrierUnavailable: down, slow, throttling
        message, ok = exc.message, False
    except DomainError as exc:  # credentials that no longer decrypt with the current key
        message, ok = exc.message, False
    except httpx.HTTPError as exc:
        message, ok = f"Could not reach the carrier: {exc}", False
    message = (str(message).strip() or ("Connected." if ok else "The carrier refused the request."))[:_MESSAGE_LENGTH]
    checked_at = timezone.now()
    CarrierAccount.objects.filter(pk=account.pk).update(
        last_checked_at=checked_at, last_check_ok=ok, last_check_message=message
    )
    account.last_checked_at, account.last_check_ok, account.last_check_message = checked_at, ok, message
    return account
