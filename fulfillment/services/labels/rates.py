"""Live rates at the packing bench: every carrier account of the location quotes every box.

Routing priced the shipment from rate cards (fast, no network); here, with the real boxes
(weight and dimensions), each active account of the location is asked for live rates. A rate
is offered only when the account quoted that service for every box; its price is the sum.
The default choice follows the channel's rule: the cheapest rate that arrives by the promised
date (the cheapest overall when none does), the fastest, or the channel's preferred carrier.
A location with no carrier account labels with the built-in carrier routing chose.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from carriers.builtin import CarrierClient, CarrierSandbox, carrier_client
from carriers.connectors import connector_for
from carriers.connectors.base import CarrierError, CarrierUnavailable, RateQuote, service_title
from carriers.models import CarrierAccount
from fulfillment.models import Package, Shipment
from fulfillment.selectors.order_routing import carrier_service_names, service_label
from fulfillment.services.labels.parcels import box_request

logger = logging.getLogger(__name__)
#: A stored quote older than this is asked for again before buying (carriers expire rates).
QUOTE_TTL = timedelta(minutes=15)
BUILTIN_KEY_PREFIX = "builtin"


@dataclass(frozen=True)
class LiveRate:
    """One offer for the whole shipment: an account's service, priced over every box."""

    key: str
    account_id: int | None
    account_name: str
    carrier: str
    service: str
    amount: Decimal
    currency: str
    delivery_days: int | None
    arrives: date | None
    on_time: bool | None
    quotes: tuple[RateQuote, ...]  # one per box, in box order
    title: str = ""  # how the rate reads on the page (default: carrier and service)

    @property
    def name(self) -> str:
        return self.title or service_title(self.carrier, self.service)


@dataclass
class RateShop:
    rates: list[LiveRate] = field(default_factory=list)
    chosen: LiveRate | None = None
    rule: str = "on_time"
    problems: list[str] = field(default_factory=list)

    def find(self, key: str) -> LiveRate | None:
        return next((rate for rate in self.rates if rate.key == key), None)


def location_accounts(shipment: Shipment) -> list[CarrierAccount]:
    """The active carrier accounts the shipment's location may use."""
    return list(CarrierAccount.objects.filter(locations=shipment.location_id, is_active=True).order_by("name"))


def rate_key(account_id: int | None, carrier: str, service: str) -> str:
    return f"{account_id or BUILTIN_KEY_PREFIX}|{carrier}|{service}"


def _arrival(days: int | None, quote_date: date | None) -> date | None:
    if quote_date:
        return quote_date
    if days is None:
        return None
    day = timezone.localdate()
    left = days
    while left > 0:  # business days: carriers do not count weekends
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def _combine(account: CarrierAccount | None, per_box: list[list[RateQuote]], promised: date | None) -> list[LiveRate]:
    """Offers quoted for every box, summed."""
    common: dict[tuple[str, str], list[RateQuote]] = {}
    for index, quotes in enumerate(per_box):
        for quote in quotes:
            slot = common.setdefault((quote.carrier, quote.service), [])
            if len(slot) == index:
                slot.append(quote)
    rates = []
    for (carrier, service), quotes in common.items():
        if len(quotes) != len(per_box):
            continue
        days = max((q.delivery_days for q in quotes if q.delivery_days is not None), default=None)
        dates = [q.delivery_date for q in quotes if q.delivery_date]
        arrives = _arrival(days, max(dates) if dates else None)
        rates.append(
            LiveRate(
                key=rate_key(account.pk if account else None, carrier, service),
                account_id=account.pk if account else None,
                account_name=account.name if account else "Built-in carrier",
                carrier=carrier,
                service=service,
                amount=sum((q.amount for q in quotes), Decimal(0)),
                currency=quotes[0].currency,
                delivery_days=days,
                arrives=arrives,
                on_time=None if promised is None or arrives is None else arrives <= promised,
                quotes=tuple(quotes),
            )
        )
    return rates


def rate_choose(rates: list[LiveRate], *, rule: str, preferred: str = "") -> LiveRate | None:
    """The rate a rule picks: on_time (default), fastest or preferred carrier."""
    if not rates:
        return None
    cheapest = min(rates, key=lambda r: (r.amount, r.delivery_days or 99))
    if rule == "fastest":
        return min(rates, key=lambda r: (r.arrives or date.max, r.amount))
    if rule == "preferred" and preferred:
        mine = [r for r in rates if r.carrier.lower() == preferred.lower()]
        if mine:
            return min(mine, key=lambda r: r.amount)
    on_time = [r for r in rates if r.on_time is not False]
    return min(on_time, key=lambda r: (r.amount, r.arrives or date.max)) if on_time else cheapest


def _builtin_rates(shipment: Shipment, packages: list[Package], client: CarrierClient) -> list[LiveRate]:
    """No account at the location: the carrier and service routing chose, on the built-in carrier."""
    price = CarrierSandbox.rate if isinstance(client, CarrierSandbox) else None
    quotes = tuple(
        RateQuote(
            carrier=shipment.carrier,
            service=shipment.service,
            amount=price(carrier=shipment.carrier, service=shipment.service, weight_grams=p.weight_grams)
            if price
            else Decimal(0),
            currency="USD",
            rate_id=shipment.service,
        )
        for p in packages
    )
    arrives = shipment.estimated_delivery
    promised = shipment.order.promised_delivery_date
    return [
        LiveRate(
            key=rate_key(None, shipment.carrier, shipment.service),
            account_id=None,
            account_name="Built-in carrier",
            carrier=shipment.carrier,
            service=shipment.service,
            amount=sum((q.amount for q in quotes), Decimal(0)),
            currency="USD",
            delivery_days=None,
            arrives=arrives,
            on_time=None if promised is None or arrives is None else arrives <= promised,
            quotes=quotes,
            title=service_label(carrier_service_names(), shipment.carrier, shipment.service),
        )
    ]


def shipment_rates(shipment: Shipment, *, client: CarrierClient | None = None) -> RateShop:
    """Ask every carrier account of the location for live rates of the packed boxes.

    An account that fails (down, refusing the address) is named in `problems` and the others
    still quote. Each box keeps the quotes (`Package.purchase_quote`) so buying needs no new
    rating while they are fresh.
    """
    packages = list(shipment.packages.order_by("box_number"))
    channel = shipment.order.channel
    shop = RateShop(rule=channel.label_rule)
    accounts = location_accounts(shipment)
    if not accounts:
        shop.rates = _builtin_rates(shipment, packages, client or carrier_client())
    promised = shipment.order.promised_delivery_date
    for account in accounts:
        connector = connector_for(account)
        try:
            per_box = [
                connector.rates(box_request(shipment, package, label_format=account.label_format))
                for package in packages
            ]
        except CarrierUnavailable as exc:
            shop.problems.append(f"{account.name} is not answering ({exc.message}); its rates are missing.")
            continue
        except CarrierError as exc:
            shop.problems.append(f"{account.name} refused to quote: {exc.message}")
            continue
        shop.rates.extend(_combine(account, per_box, promised))
    shop.rates.sort(key=lambda r: (r.amount, r.arrives or date.max))
    shop.chosen = rate_choose(shop.rates, rule=shop.rule, preferred=channel.preferred_carrier)
    _remember(packages, shop)
    return shop


def _remember(packages: list[Package], shop: RateShop) -> None:
    now = timezone.now().isoformat()
    for index, package in enumerate(packages):
        package.purchase_quote = {
            "rated_at": now,
            "quotes": {rate.key: _quote_dict(rate.quotes[index]) for rate in shop.rates if len(rate.quotes) > index},
        }
        Package.objects.filter(pk=package.pk, status="packed").update(purchase_quote=package.purchase_quote)


def _quote_dict(quote: RateQuote) -> dict[str, object]:
    return {
        "carrier": quote.carrier,
        "service": quote.service,
        "amount": str(quote.amount),
        "currency": quote.currency,
        "rate_id": quote.rate_id,
        "provider_shipment_id": quote.provider_shipment_id,
        "service_code": quote.service_code,
        "delivery_days": quote.delivery_days,
    }


def quote_from_dict(data: dict[str, object]) -> RateQuote:
    days = data.get("delivery_days")
    return RateQuote(
        carrier=str(data["carrier"]),
        service=str(data["service"]),
        amount=Decimal(str(data["amount"])),
        currency=str(data.get("currency") or "USD"),
        rate_id=str(data.get("rate_id") or ""),
        provider_shipment_id=str(data.get("provider_shipment_id") or ""),
        service_code=str(data.get("service_code") or ""),
        delivery_days=int(str(days)) if days is not None else None,
    )
