from django.apps import AppConfig


class UiConfig(AppConfig):
    """Cross-app pages (dashboard, navigation, sign-out): the top layer, reads every app below it."""

    name = "ui"
    label = "ui"
    verbose_name = "Pages"
