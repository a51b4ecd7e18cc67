"""The accounts app's configuration."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users and roles in the back office: invitations, roles, location grants, two-factor sign-in."""

    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        """Connect the sign-in receiver that remembers in the session whether a second factor is due."""
        from accounts import receivers  # noqa: F401
