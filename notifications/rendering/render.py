"""Turning a template and its data into an email's subject, text part and HTML part.

The template (a channel's own, or the default file) gives the words; the product wraps them in
its email layout (`templates/notifications/email/layout.html` and `.txt`: the brand's name at the
top, why the customer gets this at the bottom), so a staff edit can change the wording but not
break the frame. Dates and numbers are formatted in the email's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from notifications.rendering.sandbox import TemplateProblem, render_sandboxed

#: Where the default templates live: `<language>/<kind>.subject.txt`, `.txt` and `.html`.
DEFAULTS_DIR = "notifications/email"
SUBJECT_MAX_CHARS = 300


@dataclass(frozen=True)
class TemplateSource:
    """The three parts of one kind's template in one language, and where they came from."""

    subject: str
    body_text: str
    body_html: str
    language: str
    custom: bool


@dataclass(frozen=True)
class RenderedEmail:
    """What is sent: a one-line subject, the plain text and the HTML."""

    subject: str
    text: str
    html: str


def _source_of(name: str) -> str:
    template: Any = get_template(name)
    return str(template.template.source)


def default_template(kind: str, language: str) -> TemplateSource | None:
    """The default template shipped for `kind` in exactly `language`, or None without one."""
    base = f"{DEFAULTS_DIR}/{language}/{kind}"
    try:
        return TemplateSource(
            subject=_source_of(f"{base}.subject.txt"),
            body_text=_source_of(f"{base}.txt"),
            body_html=_source_of(f"{base}.html"),
            language=language,
            custom=False,
        )
    except TemplateDoesNotExist:
        return None


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()[:SUBJECT_MAX_CHARS]


def render_email(source: TemplateSource, data: dict[str, Any]) -> RenderedEmail:
    """Render the three parts sandboxed, in the template's language, inside the product's email layout.

    Raises TemplateProblem (naming the part) when a part does not compile or render, or when the
    subject comes out empty.
    """
    with translation.override(source.language):
        subject = _one_line(render_sandboxed(source.subject, data, autoescape=False, part="subject"))
        text = render_sandboxed(source.body_text, data, autoescape=False, part="body_text").strip()
        html = render_sandboxed(source.body_html, data, autoescape=True, part="body_html")
        frame = {"brand": data.get("brand", {}), "subject": subject, "language": source.language}
        text = render_to_string(f"{DEFAULTS_DIR}/layout.txt", {**frame, "content": text})
        html = render_to_string(f"{DEFAULTS_DIR}/layout.html", {**frame, "content": mark_safe(html)})  # noqa: S308 (rendered above, escaped)
    if not subject:
        raise TemplateProblem("The subject comes out empty.", field="subject")
    return RenderedEmail(subject=subject, text=text.strip() + "\n", html=html)
