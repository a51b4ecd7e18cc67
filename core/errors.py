"""Domain errors raised by services and translated at the edges (forms, API, pages).

Services raise these instead of returning error codes. A view turns them into a form or
page message; the API turns them into HTTP 400 (with field errors) or 409 (a conflict with
the current state, such as insufficient stock).
"""

from __future__ import annotations


class DomainError(Exception):
    """A request that the business rules refuse. `field` names the input at fault, if any."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}

    def as_dict(self) -> dict:
        body: dict = {"detail": self.message, "code": self.code}
        if self.field:
            body["errors"] = {self.field: [self.message]}
        if self.details:
            body.update(self.details)
        return body


class ValidationFailed(DomainError):
    """Input that is malformed or out of range (HTTP 400)."""


class NotFound(DomainError):
    """A referenced object (SKU, location, document) does not exist (HTTP 400 on input)."""

    code = "not_found"


class Conflict(DomainError):
    """The request clashes with the current state (HTTP 409)."""

    status_code = 409
    code = "conflict"


class InsufficientStock(Conflict):
    """Not enough available-to-promise stock to reserve or ship."""

    code = "insufficient_stock"
