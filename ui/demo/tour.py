"""The demo's "try this first" tour: which login to use for which role, which order to open, what to click.

Written once and shown in three places: the dismissible card on the home page (demo mode only,
`ui/templatetags/demo_tour.py`), the console of `bin/demo.py` at start (`tour_text`) and the
README (kept in step by a test). The logins come from the seeds that create them; the order is
the one `fulfillment.demo.channel_orders` places first, found by its channel and order id.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from fulfillment.demo.channel_orders import TOUR_CHANNEL, TOUR_EXTERNAL_ID
from inventory.demo.people import demo_users
from orders.models import Order
from partners.demo import SUPPLIER_PASSWORD, SUPPLIER_USERNAME
from returns.models import ReturnStatus

#: The session key that hides the card once dismissed (until the next sign-in: a new session).
TOUR_HIDDEN_SESSION_KEY = "demo_tour_hidden"


@dataclass(frozen=True)
class DemoLogin:
    """One seeded login: what to type, and what that person sees."""

    username: str
    password: str
    role: str


@dataclass(frozen=True)
class TourStep:
    """One thing to try: as whom, where to go, what to click and what to notice."""

    title: str
    login: str
    url: str
    what: str


def demo_logins() -> list[DemoLogin]:
    """Every seeded login, staff roles first, then the supplier portal's."""
    logins = [DemoLogin(user.username, user.password, user.description) for user in demo_users()]
    logins.append(DemoLogin(SUPPLIER_USERNAME, SUPPLIER_PASSWORD, "Supplier portal: Hearth & Loom's purchase orders"))
    return logins


def tour_order() -> Order | None:
    """The tour's order (Shopify #1001), if the demo orders were seeded (one query)."""
    return Order.objects.filter(channel__code=TOUR_CHANNEL, external_id=TOUR_EXTERNAL_ID).first()


def tour_steps(order: Order | None) -> list[TourStep]:
    """The short list of things to try first, in the order a new user meets them."""
    order_step = (
        TourStep(
            f"Open order {order.number}",
            "backoffice",
            reverse("orders:detail", args=[order.pk]),
            f"Shopify {TOUR_EXTERNAL_ID} to {order.ship_city}, {order.ship_region}: the \u201cWhy it ships from "
            "there\u201d card shows the plan's cost against the runners-up.",
        )
        if order is not None
        else TourStep(
            "Open any order",
            "backoffice",
            reverse("orders:index"),
            "Every order has a \u201cWhy it ships from there\u201d card: the plan's cost against the runners-up.",
        )
    )
    return [
        order_step,
        TourStep(
            "Pack with scans",
            "operator",
            reverse("fulfillment:work") + "?tab=pack",
            "Open a shipment under \u201cTo pack\u201d and scan each unit's barcode (or type its SKU code); "
            "a wrong item is refused by name.",
        ),
        TourStep(
            "Hand over a store pickup",
            "associate",
            reverse("fulfillment:pickups"),
            "Open the pickup that is ready and hand it over with the customer's pickup code.",
        ),
        TourStep(
            "Inspect a return",
            "backoffice",
            reverse("returns:index") + f"?status={ReturnStatus.RECEIVED}",
            "A parcel returned at a store counter waits for inspection: choose restock or refurbish per unit.",
        ),
        TourStep(
            "Look at planning's proposals",
            "backoffice",
            reverse("planning:proposals"),
            "Recompute them: what to move between locations and what to buy, each with its numbers, approved into "
            "a transfer in one click. The demo's sales history is one day long, so expect few.",
        ),
        TourStep(
            "Read the KPI dashboard",
            "backoffice",
            reverse("analytics:dashboard"),
            "Fill rate, split rate, on-time ship and cost per order, by channel and location.",
        ),
        TourStep(
            "Answer a purchase order as the supplier",
            SUPPLIER_USERNAME,
            reverse("partners:portal_home"),
            "The dropship supplier's portal: acknowledge the waiting order and ship it.",
        ),
    ]


def tour_text(base_url: str) -> list[str]:
    """The tour as console lines (bin/demo.py prints them at start): logins, then the steps with full links."""
    lines = ["Demo logins (username / password):"]
    lines += [f"  {login.username:<21} {login.password:<22} {login.role}" for login in demo_logins()]
    lines.append("Try this first:")
    for number, step in enumerate(tour_steps(tour_order()), start=1):
        lines.append(f"  {number}. {step.title} (as {step.login}): {base_url.rstrip('/')}{step.url}")
    return lines
