"""Code 128 (set B) barcodes and QR codes as inline SVG: the RMA number on the label and the return page.

A receiving dock scans it with any USB scanner (which types the text and Enter), so the
return is found without typing. Pure functions, no database.
"""

from __future__ import annotations

import segno
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

#: Bar/space widths of the 107 Code 128 symbols (values 0-105, then the stop symbol).
PATTERNS = [
    "212222",
    "222122",
    "222221",
    "121223",
    "121322",
    "131222",
    "122213",
    "122312",
    "132212",
    "221213",
    "221312",
    "231212",
    "112232",
    "122132",
    "122231",
    "113222",
    "123122",
    "123221",
    "223211",
    "221132",
    "221231",
    "213212",
    "223112",
    "312131",
    "311222",
    "321122",
    "321221",
    "312212",
    "322112",
    "322211",
    "212123",
    "212321",
    "232121",
    "111323",
    "131123",
    "131321",
    "112313",
    "132113",
    "132311",
    "211313",
    "231113",
    "231311",
    "112133",
    "112331",
    "132131",
    "113123",
    "113321",
    "133121",
    "313121",
    "211331",
    "231131",
    "213113",
    "213311",
    "213131",
    "311123",
    "311321",
    "331121",
    "312113",
    "312311",
    "332111",
    "314111",
    "221411",
    "431111",
    "111224",
    "111422",
    "121124",
    "121421",
    "141122",
    "141221",
    "112214",
    "112412",
    "122114",
    "122411",
    "142112",
    "142211",
    "241211",
    "221114",
    "413111",
    "241112",
    "134111",
    "111242",
    "121142",
    "121241",
    "114212",
    "124112",
    "124211",
    "411212",
    "421112",
    "421211",
    "212141",
    "214121",
    "412121",
    "111143",
    "111341",
    "131141",
    "114113",
    "114311",
    "411113",
    "411311",
    "113141",
    "114131",
    "311141",
    "411131",
    "211412",
    "211214",
    "211232",
    "2331112",
]
START_B = 104
STOP = 106
QUIET_MODULES = 10


def code128_values(text: str) -> list[int]:
    """The symbol values for `text` in code set B: start, data, check symbol, stop.

    Only printable ASCII (32-126) can be encoded; anything else raises ValueError.
    """
    if not text:
        raise ValueError("Nothing to encode.")
    data = []
    for char in text:
        code = ord(char)
        if not 32 <= code <= 126:
            raise ValueError(f"{char!r} cannot be encoded in Code 128 set B.")
        data.append(code - 32)
    checksum = (START_B + sum(position * value for position, value in enumerate(data, start=1))) % 103
    return [START_B, *data, checksum, STOP]


def code128_modules(text: str) -> list[tuple[bool, int]]:
    """(is_bar, width in modules) runs for `text`, without the quiet zones."""
    runs: list[tuple[bool, int]] = []
    for value in code128_values(text):
        for index, width in enumerate(PATTERNS[value]):
            runs.append((index % 2 == 0, int(width)))
    return runs


def code128_svg(text: str, *, module: float = 2.0, height: int = 60, label: bool = True) -> SafeString:
    """An inline SVG of `text` as a Code 128 barcode, with the text under it when `label`."""
    runs = code128_modules(text)
    total = sum(width for _, width in runs) + 2 * QUIET_MODULES
    width_px = total * module
    text_height = 16 if label else 0
    x = QUIET_MODULES * module
    rects = []
    for is_bar, width in runs:
        if is_bar:
            rects.append(f'<rect x="{x:g}" y="0" width="{width * module:g}" height="{height}"/>')
        x += width * module
    caption = (
        f'<text x="{width_px / 2:g}" y="{height + 14}" text-anchor="middle" font-family="monospace" '
        f'font-size="13">{escape(text)}</text>'
        if label
        else ""
    )
    return mark_safe(  # noqa: S308 - every value interpolated is a number or escaped text
        f'<svg xmlns="http://www.w3.org/2000/svg" class="barcode" role="img" aria-label="Barcode {escape(text)}" '
        f'viewBox="0 0 {width_px:g} {height + text_height}" width="{width_px:g}" height="{height + text_height}">'
        f'<rect width="100%" height="100%" fill="#fff"/><g fill="#000">{"".join(rects)}</g>{caption}</svg>'
    )


def qr_svg(text: str, *, scale: int = 5) -> SafeString:
    """An inline SVG QR code of `text` (what a phone's camera at the counter reads back as the text)."""
    svg = segno.make(text, error="m", micro=False).svg_inline(
        scale=scale, omitsize=True, light="#fff", title=f"QR code {text}"
    )
    return mark_safe(svg)  # noqa: S308 - segno writes the SVG and escapes the title
