"""ScanForms (end-of-day manifests): POST /v2/scan_forms `{"shipments": [{"id"}...]}`, GET /v2/scan_forms/{id}.

EasyPost's rules, as its ScanForm docs state them: every shipment bought and not refunded, all
from one origin address and one carrier, none already on a form. The answer is a ScanForm
(`sf_...`, status "created") whose `form_url` is a PDF listing every parcel under a barcode of
the form's id (`carriers.documents.manifest_pdf`).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx

from carriers.connectors.base import GRAMS_PER_OUNCE
from carriers.documents import ManifestContent, ManifestParcel, manifest_pdf
from carriers.sandbox.easypost.core import API, stamp
from carriers.sandbox.easypost.shipments import EasyPostShipments, postal_address
from core.sandbox import json_response

ORIGIN_FIELDS = ("street1", "street2", "city", "state", "zip", "country")


class EasyPostForms(EasyPostShipments):
    """ScanForms over bought shipments."""

    def setup(self) -> None:
        """Scan forms by id."""
        super().setup()
        self.scan_forms: dict[str, dict[str, Any]] = {}
        self.route("POST", rf"{API}/scan_forms", "scan_forms", self._create_scan_form)
        self.route("GET", rf"{API}/scan_forms/(?P<form_id>sf_\w+)", "scan_forms", self._get_scan_form)

    def _invalid(self, message: str, code: str = "SCAN_FORM.SHIPMENTS.INVALID") -> httpx.Response:
        return self.refuse(422, code, message)

    def _create_scan_form(self, request: httpx.Request) -> httpx.Response:
        wanted = [str(entry["id"]) for entry in json.loads(request.content).get("shipments") or []]
        if not wanted:
            return self._invalid("Missing required parameter: shipments.", "SCAN_FORM.SHIPMENTS.REQUIRED")
        shipments = []
        for shipment_id in wanted:
            shipment = self.shipments.get(shipment_id)
            if shipment is None:
                return self._invalid(f"Shipment {shipment_id} was not found.")
            if not shipment["postage_label"]:
                return self._invalid(f"Shipment {shipment_id} has no postage.", "SCAN_FORM.BATCH.NOT_PURCHASED")
            if shipment["refund_status"]:
                return self._invalid(f"Shipment {shipment_id} is refunded and cannot be added.")
            if shipment.get("scan_form"):
                return self._invalid(f"Shipment {shipment_id} is already on scan form {shipment['scan_form']['id']}.")
            shipments.append(shipment)
        origins = {tuple(str(s["from_address"].get(key) or "").upper() for key in ORIGIN_FIELDS) for s in shipments}
        if len(origins) > 1:
            return self._invalid("All shipments on a scan form must have the same origin address.")
        carriers = sorted({s["selected_rate"]["carrier"] for s in shipments})
        if len(carriers) > 1:
            return self._invalid(
                f"A scan form covers one carrier; these shipments use {', '.join(carriers)}.",
                "SCAN_FORM.BATCH.MULTIPLE_CARRIERS",
            )
        now = stamp(self.now())
        form: dict[str, Any] = {
            "id": self.object_id("sf"),
            "object": "ScanForm",
            "created_at": now,
            "updated_at": now,
            "tracking_codes": [s["tracking_code"] for s in shipments],
            "address": copy.deepcopy(shipments[0]["from_address"]),
            "status": "created",
            "message": None,
            "form_url": None,
            "form_file_type": None,
            "batch_id": self.object_id("batch"),
            "confirmation": None,
        }
        form["form_url"] = self.store_file("scan_form", "pdf", self._form_pdf(form, carriers[0], shipments))
        self.scan_forms[form["id"]] = form
        for shipment in shipments:
            shipment["scan_form"] = copy.deepcopy(form)
        return json_response(201, form)

    def _form_pdf(self, form: dict[str, Any], carrier: str, shipments: list[dict[str, Any]]) -> bytes:
        """The printable form, drawn by the product's manifest renderer (the sandbox has no other)."""
        origin = postal_address(form["address"])
        parcels = tuple(
            ManifestParcel(
                tracking_number=shipment["tracking_code"],
                service=shipment["selected_rate"]["service"],
                reference=str(shipment.get("reference") or ""),
                weight_grams=int(self.shipment_meta[shipment["id"]].weight_oz * GRAMS_PER_OUNCE),
                ship_to_city=str(self.shipment_meta[shipment["id"]].destination.get("city") or ""),
            )
            for shipment in shipments
        )
        content = ManifestContent(
            number=form["id"],
            account_name="EasyPost",
            provider=carrier,
            location_name=origin.company or origin.name,
            location_address=origin,
            day=self.now().date(),
            parcels=parcels,
        )
        return manifest_pdf(content)

    def _get_scan_form(self, request: httpx.Request, form_id: str) -> httpx.Response:
        form = self.scan_forms.get(form_id)
        return json_response(200, form) if form else self.not_found()
