"""Shippo's address objects and their validation (`POST /addresses/` with `validate: true`).

The sandbox's validator: a US ZIP code that does not exist, or a street containing
"UNDELIVERABLE", is invalid; a lowercase, all-capitals or abbreviated street ("965 mission st")
is corrected to its standard form ("965 Mission Street"), and a city or state that does not
match the ZIP code is corrected to the ZIP's. Each change is a message of type
`address_correction`, as Shippo reports them; errors are `address_error`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from carriers.sandbox.shippo.core import OWNER, ShippoCore, shippo_time
from core.geo import geocode_postal_code, normalize_us_zip
from core.sandbox import json_response

VALIDATOR = "Shippo Address Validator"
SUFFIXES = {
    "st": "Street",
    "str": "Street",
    "ave": "Avenue",
    "av": "Avenue",
    "rd": "Road",
    "blvd": "Boulevard",
    "dr": "Drive",
    "ln": "Lane",
    "ct": "Court",
    "pl": "Place",
    "hwy": "Highway",
    "pkwy": "Parkway",
    "ter": "Terrace",
    "cir": "Circle",
    "sq": "Square",
}
DIRECTIONS = {"n", "s", "e", "w", "ne", "nw", "se", "sw"}
ORDINAL_ENDINGS = ("st", "nd", "rd", "th")


def _word(word: str, *, retitle: bool) -> str:
    bare = word.rstrip(".").lower()
    if bare in DIRECTIONS:
        return bare.upper()
    if any(char.isdigit() for char in word):
        digits_then_ordinal = bare[:-2].isdigit() and bare.endswith(ORDINAL_ENDINGS)
        return bare if digits_then_ordinal else word.upper()
    if retitle or word.islower():
        return word[:1].upper() + word[1:].lower()
    return word


def standard_street(street: str) -> str:
    """A street line in the validator's standard form: words capitalised, the street type spelled out."""
    words = street.split()
    if not words:
        return ""
    letters = [char for char in street if char.isalpha()]
    retitle = bool(letters) and ("".join(letters).isupper() or "".join(letters).islower())
    fixed = [_word(word, retitle=retitle) for word in words]
    # The street type is the last word, or the one before a trailing direction ("Main St N").
    position = len(fixed) - 2 if len(fixed) > 2 and fixed[-1].lower() in DIRECTIONS else len(fixed) - 1
    if position > 0 and fixed[position].rstrip(".").lower() in SUFFIXES:
        fixed[position] = SUFFIXES[fixed[position].rstrip(".").lower()]
    return " ".join(fixed)


def _message(code: str, kind: str, text: str) -> dict[str, str]:
    return {"source": VALIDATOR, "code": code, "type": kind, "text": text}


def validate(address: dict[str, Any]) -> tuple[bool, list[dict[str, str]], dict[str, str]]:
    """(is_valid, messages, corrected fields) for an address as the sandbox's validator sees it."""
    street = str(address.get("street1") or "").strip()
    if not street:
        return False, [_message("street_detail_missing", "address_error", "The street address is missing.")], {}
    if "UNDELIVERABLE" in street.upper():
        text = "The address as submitted could not be found. Please check the street address and the city name."
        return False, [_message("Address Not Found", "address_error", text)], {}
    country = str(address.get("country") or "US").upper()
    if country != "US":
        text = "The address was checked to the country level only."
        return True, [_message("geocoded_state", "address_warning", text)], {}
    zip_code = str(address.get("zip") or "")
    place = geocode_postal_code(zip_code) if normalize_us_zip(zip_code) else None
    if place is None:
        text = f"The ZIP code {zip_code or '(none)'} does not exist."
        return False, [_message("postal_code_not_found", "address_error", text)], {}
    messages: list[dict[str, str]] = []
    corrected: dict[str, str] = {}
    standard = standard_street(street)
    if standard != street:
        corrected["street1"] = standard
        messages.append(_message("street_name_change", "address_correction", f"Street corrected to {standard}."))
    city = str(address.get("city") or "")
    if place.city and city != place.city:
        corrected["city"] = place.city
        text = f"City corrected to {place.city} for ZIP code {zip_code}."
        messages.append(_message("locality_change", "address_correction", text))
    state = str(address.get("state") or "")
    if place.region and state != place.region:
        corrected["state"] = place.region
        text = f"State corrected to {place.region} for ZIP code {zip_code}."
        messages.append(_message("administrative_area_change", "address_correction", text))
    return True, messages, corrected


class ShippoAddresses(ShippoCore):
    """POST /addresses/ (optionally validated), GET /addresses/ and /addresses/<id>."""

    def setup(self) -> None:
        super().setup()
        self.route("POST", r"/addresses/?", "addresses.post", self.guarded(self._create_address))
        self.route("GET", r"/addresses/?", "addresses.list", self._list_addresses)
        self.route("GET", r"/addresses/(?P<object_id>[0-9a-f]{32})/?", "addresses.get", self._get_address)

    def _stamp(self, address: dict[str, Any], metadata: str) -> dict[str, Any]:
        moment: datetime = self.now()
        stamped = {
            "object_created": shippo_time(moment),
            "object_updated": shippo_time(moment),
            "object_owner": OWNER,
            **address,
            "metadata": metadata,
        }
        self.addresses[address["object_id"]] = stamped
        return stamped

    def _create_address(self, request: httpx.Request) -> httpx.Response:
        body = self.body(request)
        address = self.address_object(body, "address", strict=False)
        if body.get("validate"):
            is_valid, messages, corrected = validate(address)
            address.update(corrected)
            address["validation_results"] = {"is_valid": is_valid, "messages": messages}
            address["is_complete"] = is_valid
        return json_response(201, self._stamp(address, str(body.get("metadata") or "")))

    def _list_addresses(self, request: httpx.Request) -> httpx.Response:
        return self.page(request, list(reversed(self.addresses.values())))

    def _get_address(self, request: httpx.Request, object_id: str) -> httpx.Response:
        address = self.addresses.get(object_id)
        return json_response(200, address) if address else self.not_found()
