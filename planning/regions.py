"""Ship-to regions for demand forecasts: the US Census Bureau's nine divisions, or the country abroad.

A region is coarse enough that a SKU's daily demand to it is a series worth forecasting (a state
would leave most SKUs with a handful of orders a year) and fine enough that stock placement
follows it: the divisions group neighbouring states that a warehouse serves in one or two zones.
A US order's state comes from its ship-to state field, or from its ZIP code (`core.geo`) when
the state is missing or not a US state code. Outside the US the region is the ISO country code;
an order we cannot place is in `UNKNOWN_REGION`.
"""

from __future__ import annotations

from core.geo import geocode_postal_code

#: Census division code -> (name, states).
US_DIVISIONS: dict[str, tuple[str, frozenset[str]]] = {
    "US-NE": ("New England", frozenset({"CT", "ME", "MA", "NH", "RI", "VT"})),
    "US-MA": ("Mid-Atlantic", frozenset({"NJ", "NY", "PA"})),
    "US-ENC": ("East North Central", frozenset({"IL", "IN", "MI", "OH", "WI"})),
    "US-WNC": ("West North Central", frozenset({"IA", "KS", "MN", "MO", "NE", "ND", "SD"})),
    "US-SA": ("South Atlantic", frozenset({"DE", "DC", "FL", "GA", "MD", "NC", "SC", "VA", "WV"})),
    "US-ESC": ("East South Central", frozenset({"AL", "KY", "MS", "TN"})),
    "US-WSC": ("West South Central", frozenset({"AR", "LA", "OK", "TX"})),
    "US-MTN": ("Mountain", frozenset({"AZ", "CO", "ID", "MT", "NV", "NM", "UT", "WY"})),
    "US-PAC": ("Pacific", frozenset({"AK", "CA", "HI", "OR", "WA"})),
}
#: US territories with US ZIPs ship as domestic parcels; they form their own region.
US_TERRITORIES_REGION = "US-TERR"
UNKNOWN_REGION = "UNKNOWN"
_DIVISION_OF_STATE = {state: code for code, (_, states) in US_DIVISIONS.items() for state in states}
_DOMESTIC = frozenset({"US", "PR", "GU", "VI", "AS", "MP"})


def region_of(*, country: str, state: str = "", postal_code: str = "") -> str:
    """The forecast region of a ship-to address (see the module docstring)."""
    country = (country or "US").strip().upper()
    if country not in _DOMESTIC:
        return country if len(country) == 2 else UNKNOWN_REGION
    if country != "US":
        return US_TERRITORIES_REGION
    division = _DIVISION_OF_STATE.get((state or "").strip().upper())
    if division:
        return division
    place = geocode_postal_code(postal_code, "US") if postal_code else None
    if place is None:
        return UNKNOWN_REGION
    return _DIVISION_OF_STATE.get(place.region, US_TERRITORIES_REGION)


def region_label(code: str) -> str:
    """A region code as people read it: "Pacific (US-PAC)", "CA" for a country."""
    division = US_DIVISIONS.get(code)
    if division:
        return f"{division[0]} ({code})"
    if code == US_TERRITORIES_REGION:
        return "US territories"
    if code == UNKNOWN_REGION:
        return "Unknown address"
    return code
