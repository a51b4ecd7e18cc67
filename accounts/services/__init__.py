"""Writes of the accounts app: people, their one-time links, and two-factor sign-in."""

from accounts.services.links import AccountLink, account_link_send, account_link_url
from accounts.services.people import (
    Access,
    user_access_set,
    user_deactivate,
    user_invite,
    user_reactivate,
)
from accounts.services.two_factor import (
    role_security_set,
    totp_device_confirm,
    totp_device_start,
    two_factor_disable,
    two_factor_reset,
    two_factor_rules_changed,
    two_factor_rules_version,
    user_requires_two_factor,
    user_uses_two_factor,
)

__all__ = [
    "Access",
    "AccountLink",
    "account_link_send",
    "account_link_url",
    "role_security_set",
    "totp_device_confirm",
    "totp_device_start",
    "two_factor_disable",
    "two_factor_reset",
    "two_factor_rules_changed",
    "two_factor_rules_version",
    "user_access_set",
    "user_deactivate",
    "user_invite",
    "user_reactivate",
    "user_requires_two_factor",
    "user_uses_two_factor",
]
