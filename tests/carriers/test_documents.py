"""Shipping labels (PDF and ZPL) and the end-of-day manifest, read back the way a printer would."""

from __future__ import annotations

import base64
import re
import zlib
from dataclasses import dataclass, replace
from datetime import date

from reportlab.pdfbase.pdfmetrics import stringWidth

from carriers.connectors.base import PostalAddress
from carriers.documents import (
    LabelContent,
    ManifestContent,
    ManifestParcel,
    label_pdf,
    label_zpl,
    manifest_pdf,
)

# ---- reading a PDF back (the content streams reportlab writes) -------------------------------


@dataclass(frozen=True)
class Run:
    """One string drawn on a page: font, size, position (points from the bottom left) and text."""

    font: str
    size: float
    x: float
    y: float
    text: str
    follows: bool = False  # drawn straight after the previous run, on the same line


_STREAM = re.compile(rb"\d+ 0 obj\s*<<([^<>]*)>>\s*stream\r?\n(.*?)\s*endstream", re.S)
_TOKEN = re.compile(
    rb"/(F\d+) ([\d.]+) Tf|1 0 0 1 (-?[\d.]+) (-?[\d.]+) Tm|\(((?:\\.|[^\\)])*)\) Tj|(T\*|\bET\b|\bT[dD]\b)", re.S
)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(raw: bytes) -> str:
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i : i + 1] == b"\\":
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1 :])
            if octal:
                out.append(int(octal.group(), 8))
                i += 1 + len(octal.group())
                continue
            following = raw[i + 1 : i + 2]
            out += _ESCAPES.get(following, following)
            i += 2
            continue
        out.append(raw[i])
        i += 1
    return out.decode("cp1252")


def page_runs(pdf: bytes) -> list[list[Run]]:
    """The strings drawn on each page, in drawing order (one content stream per page)."""
    fonts = {name.decode(): base.decode() for base, name in re.findall(rb"/BaseFont /([\w-]+) .*?/Name /(F\d+)", pdf)}
    pages: list[list[Run]] = []
    for head, body in _STREAM.findall(pdf):
        if b"ASCII85Decode" in head:
            body = base64.a85decode(body.strip(), adobe=True)
        if b"FlateDecode" in head:
            body = zlib.decompress(body)
        if b" Tj" not in body and b"re f" not in body:
            continue  # not a page (an image or font stream)
        runs, font, size, x, y, follows = [], "", 0.0, 0.0, 0.0, False
        for match in _TOKEN.finditer(body):
            if match.group(1):
                font, size = fonts[match.group(1).decode()], float(match.group(2))
            elif match.group(3):
                x, y, follows = float(match.group(3)), float(match.group(4)), False
            elif match.group(6):
                follows = False
            else:
                runs.append(Run(font, size, x, y, _unescape(match.group(5)), follows))
                follows = True
        pages.append(runs)
    return pages


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text, a line per drawn string; pieces drawn one after another on one baseline
    (a paragraph line with markup in it) are joined back into one line."""
    texts = []
    for runs in page_runs(pdf):
        lines: list[str] = []
        for run in runs:
            if run.follows and lines:
                lines[-1] += run.text
            else:
                lines.append(run.text)
        texts.append("\n".join(lines))
    return texts


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", pdf))


# ---- fixtures --------------------------------------------------------------------------------

SENDER = PostalAddress(
    name="Northwind Goods",
    company="Northwind Goods LLC",
    street1="100 Harbor Way",
    street2="Dock 4",
    city="Oakland",
    state="CA",
    postal_code="94607",
)
CUSTOMER = PostalAddress(
    name="Ada Lovelace",
    street1="1600 Amphitheatre Pkwy",
    street2="Apt 12B",
    city="Mountain View",
    state="CA",
    postal_code="94043",
)
LABEL = LabelContent(
    carrier="USPS",
    service="Priority Mail",
    tracking_number="9400111899223100001234",
    ship_from=SENDER,
    ship_to=CUSTOMER,
    weight_grams=1050,
    reference="SO-000042",
    box="1 of 2",
    created=date(2026, 3, 2),
)


def zpl_fields(zpl: bytes) -> list[str]:
    """The data of every field (between ^FD and ^FS)."""
    return re.findall(r"\^FD(.*?)\^FS", zpl.decode("ascii"))


# ---- the PDF label ---------------------------------------------------------------------------


def test_label_pdf_is_one_4x6_page_with_everything_the_carrier_and_the_customer_read():
    pdf = label_pdf(LABEL)

    assert pdf.startswith(b"%PDF-")
    assert page_count(pdf) == 1
    assert b"/MediaBox [ 0 0 288 432 ]" in pdf
    (text,) = page_texts(pdf)
    for expected in (
        "Northwind Goods LLC",
        "Ada Lovelace",
        "1600 Amphitheatre Pkwy",
        "Mountain View, CA 94043",
        "USPS",
        "PRIORITY MAIL",
        "9400 1118 9922 3100 0012 34",
        "SO-000042",
        "1 OF 2",
        "2.4 LB (1.05 KG)",
        "2026-03-02",
    ):
        assert expected in text
    assert "RETURN" not in text


def test_label_pdf_is_the_same_bytes_for_the_same_label_and_differs_for_another():
    assert label_pdf(LABEL) == label_pdf(LABEL)
    assert label_pdf(LABEL) != label_pdf(replace(LABEL, tracking_number="9400111899223100009999"))


def test_return_label_says_so_in_a_band():
    (text,) = page_texts(label_pdf(replace(LABEL, is_return=True)))

    assert "RETURN" in text.splitlines()


def test_label_pdf_keeps_long_text_on_the_label_and_accented_names_intact():
    long = replace(
        LABEL,
        service="International Priority Express Saver Plus",
        ship_to=replace(
            CUSTOMER,
            name="Zoë Ångström-Featherstonehaugh-Cholmondeley of Little Snoring",
            street1="Kurfürstendamm 195, Hinterhaus, 3. Obergeschoss links, bei Müller",
            city="Berlin",
            state="",
            postal_code="10707",
            country="DE",
        ),
    )
    runs = page_runs(label_pdf(long))[0]

    assert any(run.text.startswith("Zoë Ångström") for run in runs)
    assert "GERMANY" in [run.text for run in runs]
    for run in runs:
        assert run.x >= 0
        assert run.x + stringWidth(run.text, run.font, run.size) <= 288, run


def test_label_pdf_replaces_characters_the_label_font_cannot_draw():
    name = "Łukasz 山田 Nowak"
    (text,) = page_texts(label_pdf(replace(LABEL, ship_to=replace(CUSTOMER, name=name))))

    assert "Lukasz Nowak" in text.splitlines()


# ---- the ZPL label ---------------------------------------------------------------------------


def test_label_zpl_is_one_4x6_label_at_203_dpi_with_a_code128_of_the_tracking_number():
    zpl = label_zpl(LABEL).decode("ascii")

    assert zpl.startswith("^XA")
    assert zpl.rstrip().endswith("^XZ")
    assert zpl.count("^XA") == zpl.count("^XZ") == 1
    assert "^PW812" in zpl
    assert "^LL1218" in zpl
    assert re.search(r"\^BCN,\d+,N,N,N,A\^FH\^FD9400111899223100001234\^FS", zpl)
    fields = zpl_fields(label_zpl(LABEL))
    for expected in ("Ada Lovelace", "Mountain View, CA 94043", "USPS", "PRIORITY MAIL", "SO-000042", "1 OF 2"):
        assert expected in fields


def test_label_zpl_escapes_printer_commands_typed_into_a_customer_name():
    evil = replace(LABEL, ship_to=replace(CUSTOMER, name="Ada ^XZ~JA_Lovelace"))
    zpl = label_zpl(evil).decode("ascii")

    # Only one label ends the job: the ^XZ in the name is data, hex-escaped.
    assert zpl.count("^XZ") == 1
    assert "~JA" not in zpl
    assert "Ada _5EXZ_7EJA_5FLovelace" in zpl_fields(label_zpl(evil))


def test_label_zpl_is_plain_ascii_with_accents_dropped_and_unknown_scripts_left_out():
    content = replace(LABEL, ship_to=replace(CUSTOMER, name="Zoë Ångström 山田", city="São Paulo"))
    zpl = label_zpl(content)

    zpl.decode("ascii")  # raises if any byte is not ASCII
    fields = zpl_fields(zpl)
    assert "Zoe Angstrom" in fields
    assert "Sao Paulo, CA 94043" in fields


def test_label_zpl_keeps_every_field_on_the_label():
    long = replace(LABEL, ship_to=replace(CUSTOMER, name="Bartholomew Featherstonehaugh-Cholmondeley " * 3))
    zpl = label_zpl(long).decode("ascii")

    for x, y, width in re.findall(r"\^FO(\d+),(\d+)\^A0N,\d+,\d+\^FB(\d+)", zpl):
        assert int(x) + int(width) <= 812
        assert int(y) < 1218
    for x, y, width, height in re.findall(r"\^FO(\d+),(\d+)\^GB(\d+),(\d+)", zpl):
        assert int(x) + int(width) <= 812
        assert int(y) + int(height) <= 1218


# ---- the manifest ----------------------------------------------------------------------------


def _manifest(parcels: int) -> ManifestContent:
    return ManifestContent(
        number="MF-20260302-0007",
        account_name="Main USPS",
        provider="EasyPost",
        location_name="Oakland warehouse",
        location_address=SENDER,
        day=date(2026, 3, 2),
        parcels=tuple(
            ManifestParcel(
                tracking_number=f"94001118992231{n:08d}",
                service="Priority Mail",
                reference=f"SO-{n:06d}",
                weight_grams=500,
                ship_to_city="San José",
            )
            for n in range(1, parcels + 1)
        ),
    )


def test_manifest_of_a_small_day_is_one_letter_page_with_totals_and_signature_lines():
    pdf = manifest_pdf(_manifest(3))

    assert pdf.startswith(b"%PDF-")
    assert page_count(pdf) == 1
    assert b"/MediaBox [ 0 0 612 792 ]" in pdf
    (text,) = page_texts(pdf)
    for expected in ("END OF DAY MANIFEST", "No. MF-20260302-0007", "Total: 3 parcels", "3.4 LB (1.50 KG)"):
        assert expected in text
    assert "9400111899223100000003" in text
    assert "San José" in text
    assert "Driver signature" in text
    assert "Page 1 of 1" in text


def test_manifest_of_120_parcels_runs_onto_numbered_pages_that_each_say_whose_they_are():
    pdf = manifest_pdf(_manifest(120))
    pages = page_texts(pdf)

    assert page_count(pdf) == len(pages) >= 3
    every = "\n".join(pages)
    for n in range(1, 121):
        assert f"94001118992231{n:08d}" in every
    for number, text in enumerate(pages, start=1):
        assert "No. MF-20260302-0007" in text
        assert "Tracking number" in text  # the table header repeats
        assert f"Page {number} of {len(pages)}" in text
    assert "Total: 120 parcels" in pages[-1]
    assert "Driver signature" in pages[-1]
    assert manifest_pdf(_manifest(120)) == pdf
