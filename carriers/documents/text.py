"""Text helpers shared by the printable documents: what a font or a printer can show, and how
weights and tracking numbers are written on paper.

The PDFs use the PDF standard fonts (Helvetica), which hold the Windows-1252 repertoire only:
any other character would print as a blank or a black box, so it is transliterated first.
Thermal printers speaking ZPL get plain ASCII, the one repertoire every printer font holds.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import ROUND_CEILING, Decimal

from carriers.connectors.base import GRAMS_PER_OUNCE, GRAMS_PER_POUND

# Letters that Unicode does not decompose into a base letter plus accents.
_SPELLED_OUT = {
    "ß": "ss",
    "ẞ": "SS",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ø": "o",
    "Ø": "O",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "þ": "th",
    "Þ": "TH",
    "\u0131": "i",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "€": "EUR",
    "£": "GBP",
    "\u00a0": " ",
}


def _transliterate(char: str) -> str:
    """The closest ASCII spelling of one character, or "" when there is none (CJK, emoji)."""
    if char in _SPELLED_OUT:
        return _SPELLED_OUT[char]
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(part for part in decomposed if part.isascii() and not unicodedata.combining(part))


def _clean(text: str, keeps: str) -> str:
    """`text` on one line, with every character the target cannot show transliterated."""
    out: list[str] = []
    for char in text:
        if char in "\r\n\t":
            out.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cf"):
            continue  # control and format characters print as nothing, or as garbage
        else:
            try:
                char.encode(keeps)
                out.append(char)
            except UnicodeEncodeError:
                out.append(_transliterate(char))
    return " ".join("".join(out).split())


def ascii_text(text: str) -> str:
    """`text` in printable ASCII on one line: accents dropped, unknown scripts left out."""
    return _clean(text, "ascii")


def pdf_text(text: str) -> str:
    """`text` limited to what the PDF standard fonts can draw (Windows-1252), on one line."""
    return _clean(text, "cp1252")


def zpl_field(text: str) -> str:
    """Field data for a `^FH^FD` field: ASCII, with the characters ZPL reads as commands hex-escaped.

    A raw `^` or `~` inside customer data would start a printer command (and could cut the label
    short); `_` is the hex-escape indicator itself, so it is escaped too.
    """
    escaped = ascii_text(text)
    return escaped.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def weight_text(weight_grams: int) -> str:
    """A parcel's weight as US carriers print it (pounds, or ounces under a pound) with kilograms."""
    grams = Decimal(max(weight_grams, 0))
    kilograms = (grams / 1000).quantize(Decimal("0.01"), rounding=ROUND_CEILING)
    if grams < GRAMS_PER_POUND:
        ounces = (grams / GRAMS_PER_OUNCE).quantize(Decimal("0.1"), rounding=ROUND_CEILING)
        return f"{ounces} OZ ({kilograms} KG)"
    pounds = (grams / GRAMS_PER_POUND).quantize(Decimal("0.1"), rounding=ROUND_CEILING)
    return f"{pounds} LB ({kilograms} KG)"


def spaced_tracking(tracking_number: str) -> str:
    """A tracking number in groups of four, as carriers print it under the barcode for reading aloud."""
    compact = "".join(tracking_number.split())
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


# English names of the destinations a US merchant ships to most; carriers want the country spelt
# out on international labels. Others print as their ISO code, which sorters also read.
_COUNTRY_NAMES = {
    "AR": "ARGENTINA", "AT": "AUSTRIA", "AU": "AUSTRALIA", "BE": "BELGIUM", "BR": "BRAZIL",
    "CA": "CANADA", "CH": "SWITZERLAND", "CL": "CHILE", "CN": "CHINA", "CO": "COLOMBIA",
    "CZ": "CZECH REPUBLIC", "DE": "GERMANY", "DK": "DENMARK", "ES": "SPAIN", "FI": "FINLAND",
    "FR": "FRANCE", "GB": "UNITED KINGDOM", "GR": "GREECE", "HK": "HONG KONG", "IE": "IRELAND",
    "IL": "ISRAEL", "IN": "INDIA", "IT": "ITALY", "JP": "JAPAN", "KR": "SOUTH KOREA",
    "MX": "MEXICO", "NL": "NETHERLANDS", "NO": "NORWAY", "NZ": "NEW ZEALAND", "PL": "POLAND",
    "PR": "PUERTO RICO", "PT": "PORTUGAL", "SE": "SWEDEN", "SG": "SINGAPORE", "TW": "TAIWAN",
    "US": "UNITED STATES", "ZA": "SOUTH AFRICA",
}  # fmt: skip


def country_name(code: str) -> str:
    """The country's English name in capitals as labels print it, or the code itself when unlisted."""
    code = code.strip().upper()
    return _COUNTRY_NAMES.get(code, code)


def day_text(day: date | None) -> str:
    """A date written the unambiguous way (2026-03-01), or "" when unknown."""
    return day.isoformat() if day is not None else ""
