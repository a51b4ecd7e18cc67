"""Helpers the returns screens share."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from core.errors import DomainError
from returns.models import ReturnStatus

#: Tabs of the queue, in the order work happens.
QUEUE_TABS: list[tuple[str, str]] = [
    ("", "All"),
    ("approval", "Needs approval"),
    (ReturnStatus.AUTHORIZED, "Authorized"),
    (ReturnStatus.IN_TRANSIT, "In transit"),
    (ReturnStatus.RECEIVED, "To inspect"),
    (ReturnStatus.INSPECTED, "Refund pending"),
    (ReturnStatus.REFUNDED, "Refunded"),
    (ReturnStatus.EXCHANGED, "Exchanged"),
    (ReturnStatus.CLOSED, "Closed"),
    (ReturnStatus.REJECTED, "Rejected"),
    (ReturnStatus.CANCELLED, "Cancelled"),
]


def require(request: HttpRequest, *perms: str) -> None:
    """403 unless the user holds at least one of the permissions."""
    if not any(request.user.has_perm(perm) for perm in perms):
        raise PermissionDenied


def form_refusal(request: HttpRequest, form: forms.Form, exc: DomainError, field: str | None = None) -> None:
    """Show a service refusal on the field it is about, or as a form-wide error."""
    if field and field in form.fields:
        form.add_error(field, exc.message)
    else:
        form.add_error(None, exc.message)


def context_flags(user: Any) -> dict[str, bool]:
    return {
        "can_approve": user.has_perm("returns.approve_return"),
        "can_receive": user.has_perm("returns.receive_return"),
        "can_refund": user.has_perm("returns.manage_refunds"),
        "can_create": user.has_perm("returns.add_returnauthorization"),
        "can_counter": user.has_perm("returns.counter_return"),
    }
