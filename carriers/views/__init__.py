"""Carrier staff pages: carrier accounts (with "Test connection") and the box catalog.

Each view parses its input, calls one selector or service, and renders the full page (or, for
the connection check under htmx, just the refreshed status cell).
"""

from carriers.views.accounts import account_check_view, account_create, account_edit, account_list
from carriers.views.boxes import box_create, box_edit, box_list, box_toggle

__all__ = [
    "account_check_view",
    "account_create",
    "account_edit",
    "account_list",
    "box_create",
    "box_edit",
    "box_list",
    "box_toggle",
]
