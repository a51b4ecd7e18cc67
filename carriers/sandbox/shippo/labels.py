"""Labels and refunds: `POST /transactions/` (buy a rate's label), `GET /transactions/[?rate=]`,
`GET /transactions/<id>`, `POST /refunds/` and `GET /refunds/<id>`, in the recorded shapes
(`shippo_transaction_create_response_recorded.json`, `shippo_refund_create_response_docs.json`).

- A rate sells one label: buying it again is refused with `400 {"rate": [...]}`.
- A failed purchase is HTTP 201 with `status: "ERROR"` and the reason in `messages[]` (a rate
  older than `rate_ttl`, or the next of `purchase_errors`).
- `label_url` is a signed link that expires (`label_url_ttl`), to a real 4x6 PDF or ZPL II file.
- Refunds are refused with `400 {"transaction": [reason]}` once the label is older than
  `refund_window_days`, scanned by the carrier, or on a manifest; otherwise the refund takes
  `refund_status` (SUCCESS in test mode; QUEUED or PENDING as live refunds start) and the
  transaction becomes REFUNDED or REFUNDPENDING. Asking again answers the same refund.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import httpx

from carriers.connectors.base import GRAMS_PER_POUND, PostalAddress
from carriers.documents import LabelContent, label_pdf, label_zpl
from carriers.sandbox.shippo.core import OWNER, Invalid, load_sample, required, shippo_time
from carriers.sandbox.shippo.pricing import pounds
from carriers.sandbox.shippo.tracking import ShippoTracking
from core.sandbox import json_response

LABEL_FILE_TYPES = (
    "PNG",
    "PNG_2.3x7.5",
    "PDF",
    "PDF_4x6",
    "PDF_4x8",
    "PDF_A4",
    "PDF_A6",
    "PDF_SINGLE_8X11",
    "PDF_2.3x7.5",
    "ZPLII",
)
TRACKING_URLS = {
    "USPS": "https://tools.usps.com/go/TrackConfirmAction_input?origTrackNum={}",
    "UPS": "https://www.ups.com/track?loc=en_US&tracknum={}",
}
REFUND_TRANSACTION_STATUS = {
    "SUCCESS": "REFUNDED",
    "QUEUED": "REFUNDPENDING",
    "PENDING": "REFUNDPENDING",
    "ERROR": "REFUNDREJECTED",
}


@cache
def transaction_template() -> dict[str, Any]:
    """The recorded label purchase the sandbox's transactions are built from."""
    template: dict[str, Any] = load_sample("shippo_transaction_create_response_recorded.json")
    return template


@cache
def refund_template() -> dict[str, Any]:
    """The documented refund the sandbox's refunds are built from."""
    template: dict[str, Any] = load_sample("shippo_refund_create_response_docs.json")
    return template


def postal_address(address: dict[str, Any]) -> PostalAddress:
    """A Shippo address object in the product's terms (for printing the label)."""
    return PostalAddress(
        name=address.get("name") or "",
        company=address.get("company") or "",
        street1=address.get("street1") or "",
        street2=address.get("street2") or "",
        city=address.get("city") or "",
        state=address.get("state") or "",
        postal_code=address.get("zip") or "",
        country=address.get("country") or "US",
        phone=address.get("phone") or "",
    )


class ShippoLabels(ShippoTracking):
    """Transactions (label purchases), their files and their refunds."""

    def setup(self) -> None:
        super().setup()
        self.transactions: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.bought_at: dict[str, datetime] = {}  # transaction id -> purchase time
        self.label_files: dict[str, str] = {}  # transaction id -> its file's name under /deliver/
        self.refund_of: dict[str, str] = {}  # transaction id -> refund id
        self.manifested: dict[str, str] = {}  # transaction id -> manifest id
        self.refund_window_days = 30
        self.refund_status = "SUCCESS"
        self.label_url_ttl = timedelta(days=365)
        self.rate_ttl: timedelta | None = None
        self.purchase_errors: list[str] = []
        self.route("POST", r"/transactions/?", "transactions.post", self.guarded(self._buy))
        self.route("GET", r"/transactions/?", "transactions.list", self._list_transactions)
        self.route("GET", r"/transactions/(?P<object_id>[0-9a-f]{32})/?", "transactions.get", self._get_transaction)
        self.route("POST", r"/refunds/?", "refunds.post", self.guarded(self._refund))
        self.route("GET", r"/refunds/(?P<object_id>[0-9a-f]{32})/?", "refunds.get", self._get_refund)

    # Buying ---------------------------------------------------------------------------------

    def _tracking_number(self, provider: str) -> str:
        digits = f"{self.random.getrandbits(50):015d}"[-15:]
        return f"1ZSBX{digits[:13]}" if provider == "UPS" else f"9205590{digits}"

    def _label_file(self, transaction_id: str, file_type: str, rate: dict[str, Any], tracking: str) -> str:
        shipment = self.shipments[rate["shipment"]]
        origin, destination = shipment["address_from"], shipment["address_to"]
        is_return = bool((shipment.get("extra") or {}).get("is_return"))
        if is_return:  # Shippo swaps a return's addresses itself
            origin, destination = destination, origin
        weight_lb = sum(pounds(parcel["weight"], parcel["mass_unit"]) for parcel in shipment["parcels"])
        content = LabelContent(
            carrier=rate["provider"],
            service=rate["servicelevel"]["name"],
            tracking_number=tracking,
            ship_from=postal_address(origin),
            ship_to=postal_address(destination),
            weight_grams=int((Decimal(weight_lb) * GRAMS_PER_POUND).to_integral_value()),
            reference=str((shipment.get("extra") or {}).get("reference_1") or shipment.get("metadata") or ""),
            created=self.now().date(),
            is_return=is_return,
        )
        if file_type == "ZPLII":
            name = f"{transaction_id}.zpl"
            self.files[name] = ("application/zpl", label_zpl(content))
        else:
            name = f"{transaction_id}.pdf"
            self.files[name] = ("application/pdf", label_pdf(content))
        return name

    def _failure(self, rate_id: str, file_type: str) -> str | None:
        if self.purchase_errors:
            return self.purchase_errors.pop(0)
        created = datetime.fromisoformat(self.rates[rate_id]["object_created"].replace("Z", "+00:00"))
        if self.rate_ttl is not None and self.now() - created > self.rate_ttl:
            return "Rate has expired. Please create a new shipment to get fresh rates."
        if file_type.startswith("PNG"):
            return f"The sandbox prints PDF and ZPLII labels only, not {file_type}."
        return None

    def _buy(self, request: httpx.Request) -> httpx.Response:
        body = self.body(request)
        rate_id = str(body.get("rate") or "")
        if not rate_id:
            raise required("rate")
        rate = self.rates.get(rate_id)
        if rate is None:
            raise Invalid({"rate": [f"Rate with supplied object_id {rate_id} not found."]})
        file_type = str(body.get("label_file_type") or "PDF_4x6")
        if file_type not in LABEL_FILE_TYPES:
            raise Invalid({"label_file_type": [f'"{file_type}" is not a valid choice.']})
        earlier = next((t for t in self.transactions.values() if t["rate"] == rate_id and t["status"] != "ERROR"), None)
        if earlier is not None:
            raise Invalid(
                {"rate": [f"Rate {rate_id} has already been purchased (transaction {earlier['object_id']})."]}
            )
        moment = self.now()
        transaction = copy.deepcopy(transaction_template())
        transaction.update(
            object_created=shippo_time(moment),
            object_updated=shippo_time(moment),
            object_id=self.hex_id(),
            object_owner=OWNER,
            rate=rate_id,
            metadata=str(body.get("metadata") or ""),
            parcel=self.shipments[rate["shipment"]]["parcels"][0]["object_id"],
        )
        failure = self._failure(rate_id, file_type)
        if failure:
            transaction.update(object_state="INVALID", status="ERROR", tracking_number="", tracking_status=None)
            transaction.update(tracking_url_provider="", label_url="")
            transaction["messages"] = [{"source": rate["provider"], "code": "", "text": failure}]
        else:
            tracking = self._tracking_number(rate["provider"])
            transaction.update(tracking_number=tracking, tracking_status="UNKNOWN", messages=[])
            transaction["tracking_url_provider"] = TRACKING_URLS.get(rate["provider"], "{}").format(tracking)
            self.label_files[transaction["object_id"]] = self._label_file(
                transaction["object_id"], file_type, rate, tracking
            )
            self.bought_at[transaction["object_id"]] = moment
            self.start_tracking(transaction, rate, self.shipments[rate["shipment"]])
        self.transactions[transaction["object_id"]] = transaction
        return json_response(201, self.present(request, transaction))

    def present(self, request: httpx.Request, transaction: dict[str, Any]) -> dict[str, Any]:
        """A transaction as answered: a freshly signed label link, the current tracking status."""
        shown = dict(transaction)
        if transaction["object_id"] in self.label_files:
            shown["label_url"] = self.signed_url(
                request, self.label_files[transaction["object_id"]], self.label_url_ttl
            )
        if transaction["tracking_number"]:
            shown["tracking_status"] = self.tracking_status_of(transaction["tracking_number"])
        return shown

    def _list_transactions(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        found = [
            self.present(request, transaction)
            for transaction in reversed(self.transactions.values())
            if params.get("rate") in (None, transaction["rate"])
            and params.get("object_status") in (None, transaction["status"])
        ]
        if params.get("tracking_status"):
            found = [
                transaction for transaction in found if transaction["tracking_status"] == params["tracking_status"]
            ]
        return self.page(request, found)

    def _get_transaction(self, request: httpx.Request, object_id: str) -> httpx.Response:
        transaction = self.transactions.get(object_id)
        return json_response(200, self.present(request, transaction)) if transaction else self.not_found()

    # Refunds --------------------------------------------------------------------------------

    def _refusal(self, transaction: dict[str, Any]) -> str | None:
        transaction_id = transaction["object_id"]
        if transaction["status"] != "SUCCESS":
            return f"Transaction {transaction_id} has no label to refund (status {transaction['status']})."
        if transaction_id in self.manifested:
            return "This label is on a manifest (SCAN form) and can no longer be refunded."
        bought = self.bought_at[transaction_id]
        if self.now() - bought > timedelta(days=self.refund_window_days):
            return (
                f"The refund window has closed: labels can be refunded within {self.refund_window_days} days "
                f"of purchase, and this one was bought on {bought.date().isoformat()}."
            )
        scanned = self.tracking_status_of(transaction["tracking_number"])
        if scanned not in ("UNKNOWN", "PRE_TRANSIT"):
            return f"The carrier has already scanned this label ({scanned}), so it can no longer be refunded."
        return None

    def _refund(self, request: httpx.Request) -> httpx.Response:
        body = self.body(request)
        transaction_id = str(body.get("transaction") or "")
        if not transaction_id:
            raise required("transaction")
        transaction = self.transactions.get(transaction_id)
        if transaction is None:
            raise Invalid({"transaction": [f"Transaction with supplied object_id {transaction_id} not found."]})
        if transaction_id in self.refund_of:
            return json_response(201, self.refunds[self.refund_of[transaction_id]])
        refusal = self._refusal(transaction)
        if refusal:
            raise Invalid({"transaction": [refusal]})
        moment = shippo_time(self.now())
        refund = copy.deepcopy(refund_template())
        refund.update(
            object_created=moment,
            object_id=self.hex_id(),
            object_owner=OWNER,
            object_updated=moment,
            status=self.refund_status,
            transaction=transaction_id,
            test=True,
        )
        self.refunds[refund["object_id"]] = refund
        self.refund_of[transaction_id] = refund["object_id"]
        if self.refund_status in REFUND_TRANSACTION_STATUS:
            transaction["status"] = REFUND_TRANSACTION_STATUS[self.refund_status]
            transaction["object_updated"] = moment
        return json_response(201, refund)

    def _get_refund(self, request: httpx.Request, object_id: str) -> httpx.Response:
        refund = self.refunds.get(object_id)
        return json_response(200, refund) if refund else self.not_found()
