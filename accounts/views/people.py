"""The users pages (/settings/users/): the list, invite, one person's page and its actions, the sign-in rules.

Everything needs `accounts.manage_users` (administrators). Each action answers with a message saying
what happened, or a form error saying what to change.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import AccessForm, InviteForm, PeopleFilterForm, RoleRulesForm
from accounts.roles import role_of
from accounts.selectors import people_list, person_get, role_rules
from accounts.services import (
    AccountLink,
    account_link_send,
    role_security_set,
    two_factor_reset,
    user_access_set,
    user_deactivate,
    user_invite,
    user_reactivate,
)
from accounts.throttle import locked_usernames, username_unlock
from core.errors import DomainError
from core.roles import SUPPLIER

MANAGE = "accounts.manage_users"
PEOPLE_PER_PAGE = 50


def _link_base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _apply_error(form: Form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _name(person: Any) -> str:
    return person.get_full_name() or person.get_username()


@require_http_methods(["GET"])
@permission_required(MANAGE, raise_exception=True)
def people_index(request: HttpRequest) -> HttpResponse:
    """Everyone with an account: name, email, role, locations, 2FA, last sign-in, status; searchable."""
    form = PeopleFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(
        people_list(query=filters.get("q", ""), role=filters.get("role", ""), status=filters.get("status", "")),
        PEOPLE_PER_PAGE,
    ).get_page(request.GET.get("page"))
    people = list(page.object_list)
    locked = locked_usernames([person.get_username() for person in people])
    rows = [{"person": person, "role": role_of(person), "locked": person.get_username() in locked} for person in people]
    return render(request, "accounts/people_list.html", {"form": form, "page": page, "rows": rows})


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE, raise_exception=True)
def person_invite(request: HttpRequest) -> HttpResponse:
    """Invite someone by email with a role and its locations or partner (?partner= pre-fills a supplier's)."""
    initial: dict[str, Any] = {}
    if request.GET.get("partner", "").isdigit():
        initial = {"role": SUPPLIER, "partner": int(request.GET["partner"])}
    form = InviteForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                person = user_invite(
                    email=data["email"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    access=form.access(),
                    link_base=_link_base(request),
                    actor=request.user,
                )
            except DomainError as exc:
                _apply_error(form, exc)
            else:
                messages.success(
                    request, f"Invitation sent to {person.email}. They choose a password from the link in it."
                )
                return redirect("accounts:person", pk=person.pk)
        status = 422
    return render(request, "accounts/person_invite.html", {"form": form}, status=status)


def _person_page(request: HttpRequest, person: Any, form: AccessForm, status: int = 200) -> HttpResponse:
    context = {
        "person": person,
        "role": role_of(person),
        "form": form,
        "locked": person.get_username() in locked_usernames([person.get_username()]),
        "invited": not person.has_usable_password() and person.last_login is None,
    }
    return render(request, "accounts/person_detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE, raise_exception=True)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One person: change their role, locations or partner; deactivate, reset password, unlock, reset 2FA."""
    person = person_get(pk=pk)
    initial = {
        "role": role_of(person),
        "locations": [grant.location_id for grant in person.location_access.all()],
        "partner": getattr(getattr(person, "partner_membership", None), "partner_id", None),
    }
    form = AccessForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                user_access_set(user=person, access=form.access())
            except DomainError as exc:
                _apply_error(form, exc)
            else:
                messages.success(request, f"{_name(person)} is now {form.cleaned_data['role']}; access saved.")
                return redirect("accounts:person", pk=person.pk)
        return _person_page(request, person, form, status=422)
    return _person_page(request, person, form)


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    person = person_get(pk=pk)
    name = _name(person)
    try:
        if action == "deactivate":
            user_deactivate(user=person, actor=request.user)
            messages.success(request, f"{name} is deactivated and can no longer sign in. Their history stays.")
        elif action == "reactivate":
            user_reactivate(user=person)
            messages.success(request, f"{name} can sign in again, with the same role and locations.")
        elif action == "password":
            if not person.is_active:
                messages.error(request, f"{name} is deactivated: reactivate them before sending a link.")
            elif not person.email:
                messages.error(request, f"{name} has no email address: there is nowhere to send the link.")
            else:
                invited = not person.has_usable_password() and person.last_login is None
                kind = AccountLink.INVITE if invited else AccountLink.RESET
                account_link_send(user=person, kind=kind, link_base=_link_base(request), sender=request.user)
                what = "A new invitation" if invited else "A password reset link"
                messages.success(request, f"{what} was emailed to {person.email}.")
        elif action == "unlock":
            username_unlock(person.get_username())
            messages.success(request, f"{name} can try signing in again now: the failed attempts are forgotten.")
        elif action == "two_factor_reset":
            two_factor_reset(user=person)
            messages.success(
                request, f"{name}'s authenticator app is removed; they set up a new one when they next sign in."
            )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:person", pk=person.pk)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def person_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop a person signing in (never yourself, never the last active administrator)."""
    return _act(request, pk, "deactivate")


@require_POST
@permission_required(MANAGE, raise_exception=True)
def person_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Let a deactivated person sign in again."""
    return _act(request, pk, "reactivate")


@require_POST
@permission_required(MANAGE, raise_exception=True)
def person_password_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Email a one-time link to choose a password (a fresh invitation if they never chose one)."""
    return _act(request, pk, "password")


@require_POST
@permission_required(MANAGE, raise_exception=True)
def person_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    """Forget a person's failed sign-ins, so a lockout ends now."""
    return _act(request, pk, "unlock")


@require_POST
@permission_required(MANAGE, raise_exception=True)
def person_two_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a person's authenticator app (a lost phone)."""
    return _act(request, pk, "two_factor_reset")


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE, raise_exception=True)
def sign_in_rules(request: HttpRequest) -> HttpResponse:
    """Which roles must use two-factor sign-in."""
    rules = role_rules()
    initial = {"required_roles": [rule.role for rule in rules if rule.require_two_factor]}
    form = RoleRulesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = role_security_set(required_roles=form.cleaned_data["required_roles"], actor=request.user)
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            if changed:
                messages.success(
                    request,
                    f"Sign-in rules saved for {', '.join(changed)}. People of a role that now requires two-factor "
                    "sign-in set it up before their next page.",
                )
            else:
                messages.info(request, "Nothing changed.")
            return redirect("accounts:sign_in_rules")
    return render(request, "accounts/sign_in_rules.html", {"form": form, "rules": rules})
