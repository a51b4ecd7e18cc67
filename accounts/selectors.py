"""Reads of the accounts app: the people list and one person's page, with everything they show loaded
in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RoleSecurity
from accounts.roles import ROLE_CHOICES, ROLE_NAMES
from inventory.models import Location, LocationAccess

#: The list's status filter: what each shows.
STATUSES = {
    "active": "Active",
    "invited": "Invited, no password yet",
    "inactive": "Deactivated",
}


def _people() -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.select_related("partner_membership__partner")
        .prefetch_related(
            Prefetch("groups", queryset=Group.objects.filter(name__in=ROLE_NAMES)),
            Prefetch(
                "location_access",
                queryset=LocationAccess.objects.select_related("location").order_by("location__code"),
            ),
        )
        .annotate(two_factor_on=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
    )


def people_list(*, query: str = "", role: str = "", status: str = "") -> QuerySet[Any]:
    """Everyone with an account, active first then by name; filtered by a name/email fragment, role, status."""
    people = _people()
    if query:
        people = people.filter(
            Q(username__icontains=query)
            | Q(email__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
        )
    if role in ROLE_NAMES:
        people = people.filter(groups__name=role)
    if status == "active":
        people = people.filter(is_active=True)
    elif status == "inactive":
        people = people.filter(is_active=False)
    elif status == "invited":
        # An unusable password is stored with Django's "!" prefix; a person who chose one no longer has it.
        unusable = {"password__startswith": UNUSABLE_PASSWORD_PREFIX}
        people = people.filter(is_active=True, last_login__isnull=True, **unusable)
    return people.order_by("-is_active", "first_name", "last_name", "username")


def person_get(*, pk: int) -> Any:
    """One person with their role, locations, partner and 2FA state; else 404."""
    try:
        return _people().get(pk=pk)
    except (get_user_model().DoesNotExist, ValueError) as exc:
        raise Http404("No such person.") from exc


def location_choices() -> QuerySet[Location]:
    """The locations a person can be given, by code (inactive ones too: a store may reopen)."""
    return Location.objects.order_by("-is_active", "code")


@dataclass(frozen=True)
class RoleRule:
    role: str
    description: str
    require_two_factor: bool
    people: int


def role_rules() -> list[RoleRule]:
    """Each role with whether it requires two-factor sign-in and how many active people have it (two queries)."""
    counts = dict(
        Group.objects.filter(name__in=ROLE_NAMES)
        .annotate(people=Count("user", filter=Q(user__is_active=True)))
        .values_list("name", "people")
    )
    required = set(
        RoleSecurity.objects.filter(require_two_factor=True, role__name__in=ROLE_NAMES).values_list(
            "role__name", flat=True
        )
    )
    return [
        RoleRule(role=name, description=label, require_two_factor=name in required, people=counts.get(name, 0))
        for name, label in ROLE_CHOICES
    ]
