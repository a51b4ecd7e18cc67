"""Two-factor sign-in: enrolling an authenticator app (TOTP, django-otp), turning it off, and the
per-role rule that requires it.

Sessions remember whether their person must pass a second factor (see `accounts.middleware`), so the
check costs no query a request. Any change that could alter the answer (a role's rule, a person's role,
a device enrolled or removed) calls `two_factor_rules_changed`,
which makes every session ask the database again on its next request.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RoleSecurity
from accounts.roles import ROLE_NAMES
from core.errors import Conflict, ValidationFailed

#: The cache key of the rules' current version (any value: sessions compare theirs with it).
RULES_VERSION_KEY = "accounts:two-factor-rules"
DEVICE_NAME = "Authenticator app"


def two_factor_rules_version() -> str:
    """The current version of who-needs-a-second-factor; a fresh one if the cache forgot it."""
    version = cache.get(RULES_VERSION_KEY)
    if version is None:
        cache.add(RULES_VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(RULES_VERSION_KEY) or ""
    return str(version)


def two_factor_rules_changed() -> None:
    """Make every signed-in session re-read whether its person needs a second factor (after commit)."""
    transaction.on_commit(functools.partial(cache.set, RULES_VERSION_KEY, uuid.uuid4().hex, None))


def user_requires_two_factor(user: Any) -> bool:
    """True when one of the person's roles requires two-factor sign-in (one query)."""
    return RoleSecurity.objects.filter(require_two_factor=True, role__user=user).exists()


def user_uses_two_factor(user: Any) -> bool:
    """True when the person must pass a second factor: their role requires it, or they turned it on."""
    return user_requires_two_factor(user) or TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def role_security_set(*, required_roles: Iterable[str], actor: Any) -> list[str]:
    """Require two-factor sign-in for exactly these roles; returns the roles whose rule changed."""
    required = set(required_roles)
    unknown = required - ROLE_NAMES
    if unknown:
        raise ValidationFailed(f"Unknown role: {', '.join(sorted(unknown))}.", field="roles")
    changed: list[str] = []
    with transaction.atomic():
        for group in Group.objects.filter(name__in=ROLE_NAMES).order_by("name"):
            rule, _created = RoleSecurity.objects.select_for_update().get_or_create(role=group)
            wanted = group.name in required
            if rule.require_two_factor != wanted:
                rule.require_two_factor = wanted
                rule.updated_by = actor
                rule.save(update_fields=["require_two_factor", "updated_by", "updated_at"])
                changed.append(group.name)
        if changed:
            two_factor_rules_changed()
    return changed


def totp_device_start(*, user: Any) -> TOTPDevice:
    """The app to enrol: the person's unconfirmed device (so a reloaded page shows the same QR), or a new one."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise Conflict("Two-factor sign-in is already on for your account.")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def totp_device_confirm(*, device: TOTPDevice, token: str) -> TOTPDevice:
    """Turn two-factor sign-in on once the person typed a code their app shows (proves the QR was scanned)."""
    code = "".join(token.split())
    if not code.isdigit() or len(code) != device.digits:
        raise ValidationFailed(f"Type the {device.digits}-digit code your app shows now.", field="token")
    if not device.verify_token(code):
        raise ValidationFailed(
            "That code is not right. Check that the phone's clock is set automatically, then type the code "
            "your app shows now.",
            field="token",
        )
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
        two_factor_rules_changed()
    return device


def two_factor_disable(*, user: Any) -> None:
    """The person turns two-factor sign-in off; refused when their role requires it."""
    if user_requires_two_factor(user):
        raise Conflict("Your role requires two-factor sign-in, so it cannot be turned off.")
    TOTPDevice.objects.filter(user=user).delete()
    two_factor_rules_changed()


def two_factor_reset(*, user: Any) -> int:
    """An administrator removes a person's authenticator (a lost phone); they enrol again at next sign-in
    if their role requires it. Returns how many devices went."""
    deleted, _by_model = TOTPDevice.objects.filter(user=user).delete()
    two_factor_rules_changed()
    return int(deleted)
