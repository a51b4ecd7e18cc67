"""Writes about people: invite, change role and locations, deactivate and reactivate.

Every change that could leave the product without an administrator checks, under a lock on the
administrators' rows, that another active one remains (`_keep_an_administrator`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.roles import ROLE_NAMES, SCOPED_ROLES, administrators
from accounts.services.links import AccountLink, account_link_send
from accounts.services.two_factor import two_factor_rules_changed
from core.errors import Conflict, ValidationFailed
from core.roles import ADMINISTRATOR, STORE_ASSOCIATE, SUPPLIER, WAREHOUSE_OPERATOR
from inventory.models import Location, LocationKind
from inventory.services import location_access_grant
from partners.models import Partner
from partners.services import partner_user_remove, partner_user_set


@dataclass(frozen=True)
class Access:
    """What a person may reach: a role, the locations of a scoped role, the partner of a supplier."""

    role: str
    locations: Sequence[Location] = ()
    partner: Partner | None = None


def _validate(access: Access) -> None:
    if access.role not in ROLE_NAMES:
        raise ValidationFailed("Choose one of the roles listed.", field="role")
    if access.role == WAREHOUSE_OPERATOR and not access.locations:
        raise ValidationFailed("Choose at least one location this warehouse operator works at.", field="locations")
    if access.role == STORE_ASSOCIATE:
        stores = [location for location in access.locations if location.kind == LocationKind.STORE]
        if len(access.locations) != 1 or len(stores) != 1:
            raise ValidationFailed("A store associate works in exactly one store: choose one store.", field="locations")
    if access.role == SUPPLIER and access.partner is None:
        raise ValidationFailed("Choose the partner this supplier's person works for.", field="partner")


def _keep_an_administrator(*, user: Any, still_admin: bool) -> None:
    """Refuse a change that leaves no active administrator. Locks the administrators' rows, in pk order,
    so two administrators demoting each other at the same moment cannot both succeed."""
    if still_admin:
        return
    ids = list(administrators().values_list("pk", flat=True))
    locked = get_user_model().objects.select_for_update().filter(pk__in=ids).order_by("pk")
    others = [pk for pk in locked.values_list("pk", flat=True) if pk != user.pk]
    if user.pk in ids and not others:
        raise Conflict(
            f"{user.get_full_name() or user.get_username()} is the last active administrator. "
            "Make someone else an administrator first.",
            field="role",
        )


def _apply(user: Any, access: Access) -> None:
    """Give the role's group (and only it), its location grants and its partner link."""
    role_groups = Group.objects.filter(name__in=ROLE_NAMES)
    user.groups.remove(*role_groups)
    user.groups.add(Group.objects.get(name=access.role))
    # Django's admin site is the administrators'; a superuser flag would outlive a demotion.
    is_staff = access.role == ADMINISTRATOR
    is_superuser = user.is_superuser and access.role == ADMINISTRATOR
    if (user.is_staff, user.is_superuser) != (is_staff, is_superuser):  # no empty entry in the audit trail
        user.is_staff, user.is_superuser = is_staff, is_superuser
        user.save(update_fields=["is_staff", "is_superuser"])
    location_access_grant(user=user, locations=list(access.locations) if access.role in SCOPED_ROLES else [])
    # The supplier portal link is partners' data: partners' services write it.
    if access.role == SUPPLIER and access.partner is not None:
        partner_user_set(user=user, partner=access.partner)
    else:
        partner_user_remove(user=user)


def user_invite(*, email: str, first_name: str, last_name: str, access: Access, link_base: str, actor: Any) -> Any:
    """Create a person who signs in with their email, and email them a one-time link to choose a password.

    They have no usable password until they follow the link (Django's token generator: the link
    stops working once a password is set, or after PASSWORD_RESET_TIMEOUT). The email goes after commit.
    """
    _validate(access)
    email = email.strip().lower()
    user_model = get_user_model()
    if user_model.objects.filter(email__iexact=email).exists() or user_model.objects.filter(username=email).exists():
        raise Conflict(f"{email} already has an account: find it in the list and change it there.", field="email")
    with transaction.atomic():
        user = user_model(username=email, email=email, first_name=first_name.strip(), last_name=last_name.strip())
        user.set_unusable_password()
        user.save()
        _apply(user, access)
        account_link_send(user=user, kind=AccountLink.INVITE, link_base=link_base, sender=actor)
    two_factor_rules_changed()
    return user


def user_access_set(*, user: Any, access: Access) -> None:
    """Change a person's role, locations or partner in one go (a role decides which of the others apply)."""
    _validate(access)
    with transaction.atomic():
        _keep_an_administrator(user=user, still_admin=access.role == ADMINISTRATOR)
        _apply(user, access)
    two_factor_rules_changed()  # the new role may require a second factor the old one did not


def user_deactivate(*, user: Any, actor: Any) -> None:
    """Stop a person from signing in (their history stays); never the last active administrator."""
    if user.pk == actor.pk:
        raise Conflict("You cannot deactivate your own account: ask another administrator.")
    if not user.is_active:
        return
    with transaction.atomic():
        _keep_an_administrator(user=user, still_admin=False)
        user.is_active = False
        user.save(update_fields=["is_active"])


def user_reactivate(*, user: Any) -> None:
    """Let a deactivated person sign in again, with the role and locations they had."""
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
