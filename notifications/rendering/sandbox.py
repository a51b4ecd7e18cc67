"""Rendering staff-written templates safely: Django template syntax, a fenced-in engine, plain data.

Staff edit the wording of customer emails in the browser, so a template must not reach
anything but the data it is given. The engine here has no template loaders (no `include` or
`extends` of the product's own templates), no `load` (no other tag libraries), no `url`,
`csrf_token`, `debug` (it prints the context and the loaded modules) or `querystring`; every
built-in filter is available (they are pure functions of their input). The context is built
of plain values only (dicts, lists, strings, numbers, dates; see `notifications.rendering.context`),
never model instances, so no template can follow a relation or call a method that queries.
"""

from __future__ import annotations

from typing import Any

from django.template import Context, Engine, TemplateSyntaxError

from core.errors import ValidationFailed

#: Longest template source accepted (a customer email, not a book).
MAX_SOURCE_CHARS = 50_000


class SandboxEngine(Engine):
    """A template engine whose only built-ins are `sandbox_library` (none of Django's default libraries)."""

    default_builtins: list[str] = []


_ENGINE = SandboxEngine(
    dirs=[],
    app_dirs=False,
    loaders=[],
    libraries={},
    builtins=["notifications.rendering.sandbox_library"],
    debug=False,
    string_if_invalid="",
)


class TemplateProblem(ValidationFailed):
    """A template that does not compile or render; `field` names the part (subject, body_text, body_html)."""


def render_sandboxed(source: str, data: dict[str, Any], *, autoescape: bool, part: str = "") -> str:
    """Render `source` (Django template syntax) with plain `data`; HTML-escaped when `autoescape`.

    Raises TemplateProblem with a message staff can act on, for a syntax error, a tag that is
    not allowed, a source too long, or an error while rendering.
    """
    if len(source) > MAX_SOURCE_CHARS:
        raise TemplateProblem(f"The template is longer than {MAX_SOURCE_CHARS} characters.", field=part or None)
    try:
        template = _ENGINE.from_string(source)
        return template.render(Context(data, autoescape=autoescape))
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"Template error: {exc}", field=part or None) from exc
    except Exception as exc:  # a filter given something it cannot take: report it instead of failing the page
        raise TemplateProblem(f"The template could not be rendered: {exc}", field=part or None) from exc
