"""Whether the header shows the search box (every signed-in page but a supplier's portal)."""

from __future__ import annotations

from django.http import HttpRequest

from core.roles import is_supplier_session


def search_box(request: HttpRequest) -> dict[str, bool]:
    """`search_enabled` for base.html: staff and associates search; a supplier sees its portal only."""
    user = getattr(request, "user", None)
    return {"search_enabled": bool(user is not None and user.is_authenticated and not is_supplier_session(request))}
