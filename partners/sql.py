"""SQL pieces the partners app's written-out statements share (`core.rows` builds the rest)."""

from __future__ import annotations

from django.db import connection

from partners.models import Partner


def runs_location_sql(partner_alias: str) -> str:
    """`EXISTS (...)`: the partner aliased `partner_alias` runs the location given as the next `%s` parameter."""
    quote = connection.ops.quote_name
    runs = Partner.locations.through._meta
    # names from the models' own metadata, quoted; the location travels as a parameter
    return (
        f"EXISTS (SELECT 1 FROM {quote(runs.db_table)} r "  # noqa: S608
        f"WHERE r.{quote(runs.get_field('partner').column)} = {partner_alias}.id "
        f"AND r.{quote(runs.get_field('location').column)} = %s)"
    )
