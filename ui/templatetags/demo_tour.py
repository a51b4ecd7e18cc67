"""`{% demo_tour %}`: the demo's "try this first" card, only in demo mode and until the person hides it."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from ui.demo.tour import TOUR_HIDDEN_SESSION_KEY, demo_logins, tour_order, tour_steps

register = template.Library()


def demo_mode() -> bool:
    """Whether this process runs the demo (`bin/demo.py` sets DEMO_MODE; the development settings read it)."""
    return bool(getattr(settings, "DEMO_MODE", False))


@register.inclusion_tag("ui/_demo_tour_card.html", takes_context=True)
def demo_tour(context: template.Context) -> dict[str, Any]:
    """The tour's steps and logins for the card; nothing (and no query) outside demo mode or once hidden."""
    request = context.get("request")
    if not demo_mode() or request is None or request.session.get(TOUR_HIDDEN_SESSION_KEY):
        return {"show": False}
    return {
        "show": True,
        "steps": tour_steps(tour_order()),
        "logins": demo_logins(),
        "csrf_token": context.get("csrf_token"),
        "username": request.user.get_username(),
    }
