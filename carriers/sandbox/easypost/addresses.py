"""Addresses and their verification, offline: the ZIP code must exist (`zipcodes`), the street must
have a house number, and a street containing "UNDELIVERABLE" is never found.

- POST /v2/addresses with `verify` (true, or a list naming "delivery") answers the bare Address
  with `verifications.delivery` / `zip4` (`success` false and FieldErrors when it fails);
  `verify_strict` and POST /v2/addresses/create_and_verify answer 422 `ADDRESS.VERIFY.FAILURE`
  in the published error shape instead, and the wrapped `{"address": ...}` when it passes.
- GET /v2/addresses (list, `page_size`), GET /v2/addresses/{id}, GET /v2/addresses/{id}/verify.
A verified US address comes back as USPS writes it: upper case, suffixes and directions
abbreviated ("Street" -> "ST"), the secondary unit folded into street1 ("5th Floor" -> "FL 5"),
the state and city of its ZIP code and a ZIP+4.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import httpx
import zipcodes

from carriers.sandbox.easypost.core import API, EasyPostCore
from core.geo import geocode_postal_code, normalize_us_zip
from core.sandbox import json_response

SUFFIXES = {
    "STREET": "ST",
    "AVENUE": "AVE",
    "ROAD": "RD",
    "BOULEVARD": "BLVD",
    "DRIVE": "DR",
    "LANE": "LN",
    "COURT": "CT",
    "PLACE": "PL",
    "PARKWAY": "PKWY",
    "HIGHWAY": "HWY",
    "SQUARE": "SQ",
    "TERRACE": "TER",
    "CIRCLE": "CIR",
    "TRAIL": "TRL",
}
DIRECTIONS = {"NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W"}
UNITS = {"FLOOR": "FL", "SUITE": "STE", "APARTMENT": "APT", "UNIT": "UNIT", "ROOM": "RM", "BUILDING": "BLDG"}
_ORDINAL_UNIT = re.compile(r"^(\d+)(?:ST|ND|RD|TH)\s+(FLOOR|FL)$")
NOT_FOUND = {"code": "E.ADDRESS.NOT_FOUND", "field": "address", "message": "Address not found", "suggestion": None}
NO_HOUSE_NUMBER = {"code": "E.HOUSE_NUMBER.MISSING", "field": "street1", "message": "House number is missing"}


def _words(text: str) -> list[str]:
    return re.sub(r"[.,]", " ", text.upper()).split()


def standard_street(street: str) -> str:
    """A street line as USPS writes it: upper case, suffixes and directions abbreviated."""
    words = _words(street)
    return " ".join(SUFFIXES.get(word, DIRECTIONS.get(word, word)) for word in words)


def standard_unit(line: str) -> str:
    """A secondary unit as USPS writes it ("5th Floor" -> "FL 5", "Suite 200" -> "STE 200", "#4" -> "# 4")."""
    text = " ".join(_words(line))
    ordinal = _ORDINAL_UNIT.match(text)
    if ordinal:
        return f"FL {ordinal.group(1)}"
    if text.startswith("#"):
        return f"# {text[1:].strip()}".strip()
    words = text.split()
    if words and words[0] in UNITS:
        words[0] = UNITS[words[0]]
    return " ".join(words)


def verify_fields(fields: dict[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]], dict[str, Any] | None]:
    """Check one address: (the corrected fields or None, FieldErrors, delivery details)."""
    country = str(fields.get("country") or "US").upper()
    street1 = str(fields.get("street1") or "")
    if "UNDELIVERABLE" in street1.upper():
        return None, [NOT_FOUND], None
    if country != "US":
        # No offline reference for other countries: a complete address passes unchanged.
        complete = street1 and fields.get("city") and fields.get("zip")
        return (dict(fields), [], None) if complete else (None, [NOT_FOUND], None)
    zip5 = normalize_us_zip(str(fields.get("zip") or ""))
    place = geocode_postal_code(zip5) if zip5 else None
    if zip5 is None or place is None:
        return None, [NOT_FOUND], None
    if not re.match(r"^\s*\d", street1):
        return None, [{**NO_HOUSE_NUMBER, "suggestion": None}], None
    street = standard_street(street1)
    unit = standard_unit(str(fields.get("street2") or ""))
    street = f"{street} {unit}".strip()
    city = str(fields.get("city") or "").upper()
    record = zipcodes.matching(zip5)[0]
    accepted = {place.city.upper(), *(name.upper() for name in record.get("acceptable_cities") or [])}
    plus4 = int(hashlib.sha256(f"{zip5}|{street}".encode()).hexdigest()[:8], 16) % 10000
    corrected = {
        **fields,
        "street1": street,
        "street2": "",
        "city": city if city in accepted else place.city.upper(),
        "state": place.region,
        "zip": f"{zip5}-{plus4:04d}",
        "country": "US",
        "residential": not fields.get("company"),
    }
    details = {"latitude": float(place.latitude), "longitude": float(place.longitude), "time_zone": place.timezone}
    return corrected, [], details


def _wants_verification(body: dict[str, Any]) -> tuple[bool, bool]:
    """(verify, strict) from the request's `verify` / `verify_strict` (true, "true" or a list)."""

    def asked(value: Any) -> bool:
        if isinstance(value, list):
            return "delivery" in value or "zip4" in value
        return value in (True, "true", "1", 1)

    address = body.get("address") or {}
    strict = asked(body.get("verify_strict")) or asked(address.get("verify_strict"))
    return strict or asked(body.get("verify")) or asked(address.get("verify")), strict


class EasyPostAddresses(EasyPostCore):
    """Address objects and their delivery verification."""

    def setup(self) -> None:
        """Addresses by id."""
        super().setup()
        self.addresses: dict[str, dict[str, Any]] = {}
        self.route("POST", rf"{API}/addresses", "addresses", self._create_address)
        self.route("POST", rf"{API}/addresses/create_and_verify", "addresses", self._create_and_verify)
        self.route("GET", rf"{API}/addresses", "addresses", self._list_addresses)
        self.route("GET", rf"{API}/addresses/(?P<address_id>adr_\w+)", "addresses", self._get_address)
        self.route("GET", rf"{API}/addresses/(?P<address_id>adr_\w+)/verify", "addresses", self._verify_existing)

    def verified_address(self, fields: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The Address object after verification (corrected when it passes) and its errors."""
        corrected, errors, details = verify_fields(fields)
        delivery = {"success": corrected is not None, "errors": errors, "details": details}
        zip4 = {"success": corrected is not None, "errors": errors, "details": None}
        address = self.address_object(corrected or fields, verifications={"zip4": zip4, "delivery": delivery})
        if corrected is not None:
            address["residential"] = corrected.get("residential")
        self.addresses[address["id"]] = address
        return address, errors

    def _verify_failure(self, errors: list[dict[str, Any]]) -> httpx.Response:
        return self.refuse(422, "ADDRESS.VERIFY.FAILURE", "Unable to verify address.", errors)

    def _create_address(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        fields = body["address"]
        verify, strict = _wants_verification(body)
        if not verify:
            address = self.address_object(fields)
            self.addresses[address["id"]] = address
            return json_response(201, address)
        address, errors = self.verified_address(fields)
        if strict and errors:
            return self._verify_failure(errors)
        return json_response(201, address)

    def _create_and_verify(self, request: httpx.Request) -> httpx.Response:
        address, errors = self.verified_address(json.loads(request.content)["address"])
        return self._verify_failure(errors) if errors else json_response(200, {"address": address})

    def _list_addresses(self, request: httpx.Request) -> httpx.Response:
        page_size = max(1, min(int(request.url.params.get("page_size", "20")), 100))
        newest = sorted(self.addresses.values(), key=lambda a: a["created_at"], reverse=True)
        return json_response(200, {"addresses": newest[:page_size], "has_more": len(newest) > page_size})

    def _get_address(self, request: httpx.Request, address_id: str) -> httpx.Response:
        address = self.addresses.get(address_id)
        return json_response(200, address) if address else self.not_found()

    def _verify_existing(self, request: httpx.Request, address_id: str) -> httpx.Response:
        address = self.addresses.get(address_id)
        if address is None:
            return self.not_found()
        verified, errors = self.verified_address(address)
        return self._verify_failure(errors) if errors else json_response(200, {"address": verified})
