"""The scan matcher: what a packer or an associate notices when they scan a unit."""

from __future__ import annotations

from dataclasses import dataclass

from fulfillment.scanning import ScanMatcher, scan_key


@dataclass(frozen=True)
class Sku:
    code: str
    barcode: str = ""


TEE = Sku("TEE-BLK-M", "012345678905")
MUG = Sku("MUG-WHT", "")


def matcher() -> ScanMatcher[str]:
    return ScanMatcher([(TEE, "tee line"), (MUG, "mug line")])


def test_a_unit_is_found_by_its_sku_code_and_by_its_barcode():
    assert matcher().match("TEE-BLK-M") == "tee line"
    assert matcher().match("012345678905") == "tee line"
    assert matcher().match("MUG-WHT") == "mug line"


def test_typed_codes_match_whatever_the_case_and_surrounding_spaces():
    assert matcher().match("  tee-blk-m ") == "tee line"
    assert matcher().match("Mug-Wht") == "mug line"


def test_a_barcode_read_with_or_without_leading_zeros_is_the_same_unit():
    assert matcher().match("12345678905") == "tee line"  # UPC-A as printed
    assert matcher().match("0012345678905") == "tee line"  # the same code read as EAN-13
    assert scan_key("000") == "0"


def test_every_scan_is_either_matched_or_reported_unknown_in_scan_order():
    found = matcher().partition(["tee-blk-m", "NOPE-1", " 012345678905 ", "", "   ", "MUG-WHT", "999"])

    assert found.matched == [("tee-blk-m", "tee line"), ("012345678905", "tee line"), ("MUG-WHT", "mug line")]
    assert found.unknown == ["NOPE-1", "999"]


def test_a_sku_without_a_barcode_is_not_matched_by_an_empty_scan():
    assert ScanMatcher([(MUG, "mug")]).match("") is None
    assert ScanMatcher([(MUG, "mug")]).partition([""]).unknown == []


def test_when_two_lines_share_a_code_the_first_given_wins():
    both = ScanMatcher([(TEE, "first"), (Sku("TEE-BLK-M"), "second")])

    assert both.match("TEE-BLK-M") == "first"
