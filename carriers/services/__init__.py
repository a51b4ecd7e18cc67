"""Carrier writes: accounts (with encrypted credentials and the connection check) and the box catalog.

Refusals are `core.errors.ValidationFailed` naming the field at fault. By subject: `accounts`,
`boxes`. Import them from here. `box_types_for` (a read the pack screen uses) is re-exported
from `carriers.selectors` for callers that think of it as part of the box catalog.
"""

from carriers.selectors import box_types_for
from carriers.services.accounts import (
    CREDENTIAL_FIELDS,
    RESERVED_CODES,
    CredentialField,
    account_check,
    account_mode,
    carrier_account_create,
    carrier_account_update,
    missing_credentials,
    sandbox_url,
    stored_credentials,
)
from carriers.services.boxes import (
    MAX_SIDE_CM,
    MAX_WEIGHT_GRAMS,
    BoxSpec,
    box_spec_check,
    box_type_create,
    box_type_set_active,
    box_type_update,
)

__all__ = [
    "CREDENTIAL_FIELDS",
    "MAX_SIDE_CM",
    "MAX_WEIGHT_GRAMS",
    "RESERVED_CODES",
    "BoxSpec",
    "CredentialField",
    "account_check",
    "account_mode",
    "box_spec_check",
    "box_type_create",
    "box_type_set_active",
    "box_type_update",
    "box_types_for",
    "carrier_account_create",
    "carrier_account_update",
    "missing_credentials",
    "sandbox_url",
    "stored_credentials",
]
