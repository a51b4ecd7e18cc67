"""Customer email rendering: the sandboxed engine, the data templates see, the sample, the layout."""

from notifications.rendering.context import VARIABLES, Brand
from notifications.rendering.render import RenderedEmail, TemplateSource, default_template, render_email
from notifications.rendering.samples import sample_data
from notifications.rendering.sandbox import TemplateProblem, render_sandboxed

__all__ = [
    "VARIABLES",
    "Brand",
    "RenderedEmail",
    "TemplateProblem",
    "TemplateSource",
    "default_template",
    "render_email",
    "render_sandboxed",
    "sample_data",
]
