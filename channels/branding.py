"""A channel's brand as customers see it: name, logo and colour, with the colours the pages derive from it.

Customer pages (returns) and emails show the shop the customer bought from, not the back
office. The colour is the merchant's; the shades derived here keep text readable on it
(white or near-black by contrast) and links readable on white (darkened until they reach
the WCAG 4.5:1 contrast for body text).
"""

from __future__ import annotations

from dataclasses import dataclass

from channels.models import Channel

#: The product's own blue (static/css/app.css `--primary`), used when a channel has no colour.
DEFAULT_COLOR = "#1f4fd1"
_READABLE = 4.5


def _rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(part))):02x}" for part in rgb)


def _luminance(color: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    a, b = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _mix(color: str, other: str, share: float) -> str:
    a, b = _rgb(color), _rgb(other)
    return _hex(tuple(x + (y - x) * share for x, y in zip(a, b, strict=True)))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Brand:
    """What a customer page or email shows of the shop."""

    name: str
    logo_url: str = ""
    color: str = DEFAULT_COLOR

    @property
    def on_color(self) -> str:
        """Text on a button of the brand colour: white unless the colour is too light for it."""
        return "#ffffff" if contrast(self.color, "#ffffff") >= contrast(self.color, "#111111") else "#111111"

    @property
    def text_color(self) -> str:
        """The brand colour for links and headings on white, darkened until it is readable."""
        color = self.color
        for _ in range(20):
            if contrast(color, "#ffffff") >= _READABLE:
                break
            color = _mix(color, "#000000", 0.1)
        return color

    @property
    def hover_color(self) -> str:
        return _mix(self.color, "#000000", 0.15)

    @property
    def weak_color(self) -> str:
        return _mix(self.color, "#ffffff", 0.9)


def channel_brand(channel: Channel | None, *, fallback: str = "Our shop") -> Brand:
    """The brand of a channel's customer pages and emails (`fallback` names the shop without a channel)."""
    if channel is None:
        return Brand(name=fallback)
    return Brand(
        name=channel.brand_name.strip() or channel.name,
        logo_url=channel.brand_logo_url,
        color=channel.brand_color.lower() if channel.brand_color else DEFAULT_COLOR,
    )
