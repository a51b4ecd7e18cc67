"""The RMA barcode: valid Code 128 set B (symbol widths, parity, check symbol) as inline SVG."""

from __future__ import annotations

import pytest

from returns.barcode import PATTERNS, code128_modules, code128_svg, code128_values


def test_every_symbol_is_eleven_modules_with_even_bar_width():
    assert len(PATTERNS) == 107 and len(set(PATTERNS)) == 107
    for pattern in PATTERNS[:106]:
        assert sum(int(w) for w in pattern) == 11
        assert sum(int(w) for w in pattern[0::2]) % 2 == 0
    assert sum(int(w) for w in PATTERNS[106]) == 13


def test_check_symbol_follows_the_weighted_sum_mod_103():
    # "PJJ123C": 104 + 48·1 + 42·2 + 42·3 + 17·4 + 18·5 + 19·6 + 35·7 = 879; 879 mod 103 = 55.
    values = code128_values("PJJ123C")
    assert values == [104, 48, 42, 42, 17, 18, 19, 35, 55, 106]


def test_the_svg_has_one_rect_per_bar_and_the_escaped_text():
    svg = str(code128_svg("RMA-000042"))
    bars = sum(1 for is_bar, _ in code128_modules("RMA-000042") if is_bar)
    assert svg.count("<rect x=") == bars
    assert "RMA-000042</text>" in svg
    assert "<script" not in str(code128_svg("<script>"))


def test_non_ascii_is_refused():
    with pytest.raises(ValueError):
        code128_values("ÄRMA")
