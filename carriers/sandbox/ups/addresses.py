"""Street-level Address Validation (XAV) as the UPS sandbox answers it.

No published XAV answer is among the samples: the shape follows UPS's AddressValidation
OpenAPI file (v2: `Candidate` always an array, indicators as empty strings). What is
"valid" is the sandbox's own rule, from the offline ZIP code data: the ZIP must exist and the
street must start with a house number; a city or state that does not match the ZIP makes the
answer ambiguous with the right one as the candidate.
"""

from __future__ import annotations

import zlib
from typing import Any

from carriers.connectors.ups.payloads import as_list
from core.geo import geocode_postal_code, normalize_us_zip

COMMERCIAL_WORDS = ("STE ", "SUITE", " INC", " LLC", " CORP", " CO.", "WAREHOUSE", " DC")


def _success() -> dict[str, Any]:
    return {"ResponseStatus": {"Code": "1", "Description": "Success"}}


def _classification(key_format: dict[str, Any]) -> dict[str, str]:
    text = " ".join(
        [str(key_format.get("ConsigneeName") or "")] + [str(line) for line in as_list(key_format.get("AddressLine"))]
    )
    commercial = any(word in f" {text.upper()} " for word in COMMERCIAL_WORDS)
    return {"Code": "1", "Description": "Commercial"} if commercial else {"Code": "2", "Description": "Residential"}


def validate(key_format: dict[str, Any], *, request_option: str) -> dict[str, Any]:
    """The XAVResponse for one AddressKeyFormat (request option 1 validate, 2 classify, 3 both)."""
    lines = [str(line).strip() for line in as_list(key_format.get("AddressLine")) if str(line).strip()]
    zip5 = normalize_us_zip(str(key_format.get("PostcodePrimaryLow") or ""))
    country = str(key_format["CountryCode"]).upper()
    place = geocode_postal_code(zip5, "US") if zip5 else None
    response: dict[str, Any] = {"Response": _success()}
    if place is None or not lines or not lines[0][:1].isdigit():
        response["NoCandidatesIndicator"] = ""
        return {"XAVResponse": response}
    plus4 = f"{zlib.crc32(lines[0].upper().encode()) % 10000:04d}"
    city, state = place.city.upper(), place.region.upper()
    candidate: dict[str, Any] = {
        "AddressKeyFormat": {
            "AddressLine": [line.upper() for line in lines],
            "Region": f"{city},{state},{place.postal_code}-{plus4}",
            "PoliticalDivision2": city,
            "PoliticalDivision1": state,
            "PostcodePrimaryLow": place.postal_code,
            "PostcodeExtendedLow": plus4,
            "CountryCode": country,
        }
    }
    if request_option in ("2", "3"):
        candidate["AddressClassification"] = _classification(key_format)
        response["AddressClassification"] = candidate["AddressClassification"]
    given_city = " ".join(str(key_format.get("PoliticalDivision2") or "").upper().split())
    given_state = str(key_format.get("PoliticalDivision1") or "").upper().strip()
    if request_option != "2":
        response[
            "ValidAddressIndicator" if (given_city, given_state) == (city, state) else "AmbiguousAddressIndicator"
        ] = ""
    response["Candidate"] = [candidate]
    return {"XAVResponse": response}
