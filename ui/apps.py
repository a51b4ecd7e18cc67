from django.apps import AppConfig


class UiConfig(AppConfig):
    """Cross-app pages (dashboard, navigation, sign-out): the top layer, reads every app below it."""

    name = "ui"
    label = "ui"
    verbose_name = "Pages"

    def ready(self) -> None:
        """Connect the sign-in receiver that marks whether the person works at a store."""
        from ui import store_access  # noqa: F401
