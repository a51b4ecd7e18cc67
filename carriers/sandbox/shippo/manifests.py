"""End-of-day manifests (USPS SCAN forms): `POST /manifests/` and `GET /manifests/<id>`.

A manifest closes out one carrier account from one pickup address: `carrier_account`,
`shipment_date` and `address_from` (an address object id) are required; `transactions` names the
labels (all the account's open labels when left out). Each must be a label bought successfully
through that account and on no other manifest. The answer carries `documents[]`: a signed
link to the form as a PDF. A manifested label can no longer be refunded. With
`manifest_async` the manifest answers QUEUED first and is ready when read back.
"""

from __future__ import annotations

import io
from typing import Any

import httpx
from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen.canvas import Canvas

from carriers.sandbox.shippo.core import OWNER, Invalid, required, shippo_time
from carriers.sandbox.shippo.labels import ShippoLabels
from core.sandbox import json_response


def scan_form_pdf(manifest_id: str, carrier: str, address: dict[str, Any], numbers: list[str]) -> bytes:
    """The carrier's SCAN form: one letter page listing every tracking number it accepts at once."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=LETTER)
    canvas.setTitle(f"SCAN form {manifest_id}")
    _width, height = LETTER
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(54, height - 60, f"{carrier.upper()} SCAN FORM (PS Form 5630) - sandbox")
    canvas.setFont("Helvetica", 10)
    canvas.drawString(54, height - 80, f"Manifest {manifest_id}")
    place = ", ".join(
        str(address.get(key) or "") for key in ("name", "street1", "city", "state", "zip") if address.get(key)
    )
    canvas.drawString(54, height - 95, f"Pickup address: {place}")
    canvas.drawString(54, height - 110, f"Parcels: {len(numbers)}")
    y = height - 140
    for number in numbers:
        if y < 54:
            canvas.showPage()
            canvas.setFont("Helvetica", 10)
            y = height - 54
        canvas.drawString(72, y, number)
        y -= 14
    canvas.save()
    return buffer.getvalue()


class ShippoManifests(ShippoLabels):
    """Manifests of the labels bought here."""

    def setup(self) -> None:
        super().setup()
        self.manifests: dict[str, dict[str, Any]] = {}
        self.manifest_async = False
        self.route("POST", r"/manifests/?", "manifests.post", self.guarded(self._create_manifest))
        self.route("GET", r"/manifests/(?P<object_id>[0-9a-f]{32})/?", "manifests.get", self._get_manifest)

    def _labels_for(self, account_id: str, given: Any) -> list[dict[str, Any]]:
        accounts = {rate_id: rate["carrier_account"] for rate_id, rate in self.rates.items()}
        if given is None:
            return [
                transaction
                for transaction in self.transactions.values()
                if transaction["status"] == "SUCCESS"
                and accounts.get(transaction["rate"]) == account_id
                and transaction["object_id"] not in self.manifested
            ]
        if not isinstance(given, list):
            raise Invalid({"transactions": ["Expected a list of items."]})
        problems, labels = [], []
        for transaction_id in given:
            transaction = self.transactions.get(str(transaction_id))
            if transaction is None:
                problems.append(f"Transaction {transaction_id} not found.")
            elif transaction["status"] != "SUCCESS":
                problems.append(f"Transaction {transaction_id} has no valid label (status {transaction['status']}).")
            elif accounts.get(transaction["rate"]) != account_id:
                problems.append(f"Transaction {transaction_id} was not bought with carrier account {account_id}.")
            elif transaction["object_id"] in self.manifested:
                problems.append(
                    f"Transaction {transaction_id} is already on manifest {self.manifested[transaction_id]}."
                )
            else:
                labels.append(transaction)
        if problems:
            raise Invalid({"transactions": problems})
        return labels

    def _create_manifest(self, request: httpx.Request) -> httpx.Response:
        body = self.body(request)
        for field in ("carrier_account", "shipment_date", "address_from"):
            if not body.get(field):
                raise required(field)
        account = next((a for a in self.carrier_accounts.values() if a["object_id"] == body["carrier_account"]), None)
        if account is None:
            raise Invalid({"carrier_account": [f"Carrier account {body['carrier_account']} not found."]})
        address = self.addresses.get(str(body["address_from"]))
        if address is None:
            raise Invalid({"address_from": [f"Address with supplied object_id {body['address_from']} not found."]})
        labels = self._labels_for(account["object_id"], body.get("transactions"))
        moment = shippo_time(self.now())
        manifest: dict[str, Any] = {
            "object_created": moment,
            "object_updated": moment,
            "object_id": self.hex_id(),
            "object_owner": OWNER,
            "status": "SUCCESS" if labels else "ERROR",
            "carrier_account": account["object_id"],
            "shipment_date": body["shipment_date"],
            "address_from": address["object_id"],
            "transactions": [label["object_id"] for label in labels],
            "documents": [],
            "errors": [] if labels else ["There are no open labels of this carrier account to manifest."],
        }
        if labels:
            name = f"{manifest['object_id']}.pdf"
            numbers = [label["tracking_number"] for label in labels]
            self.files[name] = (
                "application/pdf",
                scan_form_pdf(manifest["object_id"], account["carrier"], address, numbers),
            )
            self.manifested.update((label["object_id"], manifest["object_id"]) for label in labels)
        self.manifests[manifest["object_id"]] = manifest
        answer = self._present(request, manifest)
        if self.manifest_async and labels:
            answer.update(status="QUEUED", documents=[])
        return json_response(201, answer)

    def _present(self, request: httpx.Request, manifest: dict[str, Any]) -> dict[str, Any]:
        shown = dict(manifest)
        if manifest["status"] == "SUCCESS":
            shown["documents"] = [self.signed_url(request, f"{manifest['object_id']}.pdf", self.label_url_ttl)]
        return shown

    def _get_manifest(self, request: httpx.Request, object_id: str) -> httpx.Response:
        manifest = self.manifests.get(object_id)
        return json_response(200, self._present(request, manifest)) if manifest else self.not_found()
