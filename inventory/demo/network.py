"""The demo network: four company warehouses, eight stores, two 3PLs and two dropship suppliers."""

from __future__ import annotations

from datetime import time

from inventory.demo.specs import LocationSpec
from inventory.models import LocationKind

# --- The network --------------------------------------------------------------------------

_WH, _STORE, _3PL, _DS = (
    LocationKind.WAREHOUSE,
    LocationKind.STORE,
    LocationKind.THIRD_PARTY,
    LocationKind.DROPSHIP_SUPPLIER,
)


def _warehouse(
    code: str, name: str, address: str, zip_code: str, capacity: int, cutoff: time, prio: int
) -> LocationSpec:
    """A company warehouse: ships orders and takes returns, large capacity, an afternoon cut-off."""
    return LocationSpec(code, name, _WH, address, zip_code, True, False, True, False, capacity, cutoff, prio)


def _store(code: str, name: str, address: str, zip_code: str, capacity: int) -> LocationSpec:
    """A retail store: pickup, returns at the counter, ship-from-store with a small daily capacity."""
    return LocationSpec(code, name, _STORE, address, zip_code, True, True, True, True, capacity, time(17, 0), 50)


def _partner(
    code: str, name: str, kind: str, address: str, zip_code: str, capacity: int, cutoff: time, prio: int
) -> LocationSpec:
    """A 3PL warehouse or a dropship supplier: ships orders only (no pickup, no returns)."""
    return LocationSpec(code, name, kind, address, zip_code, True, False, False, False, capacity, cutoff, prio)


NETWORK: tuple[LocationSpec, ...] = (
    _warehouse("dal-dc", "Dallas Distribution Center", "4800 Irving Blvd", "75201", 2500, time(16, 0), 10),
    _warehouse("rno-dc", "Reno Distribution Center", "1200 E 4th St", "89501", 1800, time(15, 0), 10),
    _warehouse("cmh-dc", "Columbus Distribution Center", "350 W Broad St", "43215", 2200, time(16, 0), 10),
    _warehouse("lhv-dc", "Lehigh Valley Distribution Center", "1900 E 4th St", "18015", 2400, time(15, 30), 10),
    _store("nyc-herald-sq", "New York Herald Square", "151 W 34th St", "10001", 60),
    _store("chi-loop", "Chicago Loop", "150 N Michigan Ave", "60601", 50),
    _store("la-downtown", "Los Angeles Downtown", "400 N Alameda St", "90012", 45),
    _store("sea-pike", "Seattle Pike Street", "1501 4th Ave", "98101", 40),
    _store("mia-brickell", "Miami Brickell", "701 S Miami Ave", "33131", 40),
    _store("den-lodo", "Denver LoDo", "1600 Wynkoop St", "80202", 35),
    _store("atl-peachtree", "Atlanta Peachtree Center", "231 Peachtree St NE", "30303", 35),
    _store("bos-downtown", "Boston Downtown Crossing", "1 Winter St", "02108", 40),
    _partner("3pl-ontario", "ShipRight 3PL — Ontario, CA", _3PL, "4200 E Airport Dr", "91761", 1200, time(14, 0), 30),
    _partner(
        "3pl-memphis", "Delta Fulfillment 3PL — Memphis", _3PL, "3800 Tchulahoma Rd", "38118", 1500, time(18, 0), 30
    ),
    _partner(
        "ds-hearthloom", "Hearth & Loom Home (dropship)", _DS, "1100 Furniture Ave", "27260", 300, time(12, 0), 70
    ),
    _partner(
        "ds-voltline", "Voltline Accessories (dropship)", _DS, "500 E Cesar Chavez St", "78701", 400, time(13, 0), 70
    ),
)
DROPSHIP_FAMILY = {"ds-hearthloom": "home", "ds-voltline": "electronics"}
