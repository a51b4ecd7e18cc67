"""Hide the demo's "try this first" card (demo mode only) for the rest of this sign-in."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from ui.demo.tour import TOUR_HIDDEN_SESSION_KEY
from ui.templatetags.demo_tour import demo_mode


@require_POST
def demo_tour_hide(request: HttpRequest) -> HttpResponseBase:
    """Hide the tour card in this session and say how to get it back; a 404 outside demo mode."""
    if not demo_mode():
        raise Http404("The tour exists only in the demo.")
    request.session[TOUR_HIDDEN_SESSION_KEY] = True
    messages.success(request, "Tour hidden. It comes back the next time you sign in, and it stays in the README.")
    return redirect("ui:dashboard")
