"""The audit trail's tables: a history table per audited model, all in this app.

The audited models belong to the apps below; their history is registered here
(`simple_history.register(..., app="audit")`) so those apps know nothing of the audit, and
every history table and migration lives in `audit`. What is audited, left out or masked is
listed once, below; `audit.registry` explains each knob.
"""

from __future__ import annotations

from typing import Any

import simple_history
from django.contrib.auth import get_user_model
from django.db import models

from audit.bulk import record_bulk_creates
from audit.records import AuditedRecords, history_user
from audit.registry import AUDITED, Audited, audited_add
from channels.models import Channel, ChannelApiKey
from fulfillment.models import CarrierService, CostSettings, RateCardRow, RoutingPolicy, TransitTime
from inventory.models import SKU, Location, LocationAccess
from marketplaces.models import ChannelSync, StockOverride
from partners.models import Partner, PartnerContact, PartnerSkuCost


class AuditTrail(models.Model):
    """No table: carries the permission to read the audit trail."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_audit_trail", "Can see who changed master data, when, and what before and after")]

    def __str__(self) -> str:
        return "Audit trail"


def _service(row: Any) -> str:
    service = row.service
    return f"{service.carrier.name} {service.name}" if service is not None else f"service {row.service_id}"


def _cell(row: Any) -> str:
    return f"{_service(row)} zone {row.zone} up to {row.max_weight_grams} g"


_ENTRIES = [
    Audited(SKU, excluded=("updated_at",), subjects=(("inventory.sku", "id"),), label=lambda r: r.code),
    Audited(Location, excluded=("updated_at",), subjects=(("inventory.location", "id"),), label=lambda r: r.code),
    Audited(
        LocationAccess,
        related=("user", "location"),
        subjects=(("inventory.location", "location_id"), ("auth.user", "user_id")),
        replaced_as_set=True,
        label=lambda r: f"{r.user} at {r.location.code if r.location else r.location_id}",
    ),
    Audited(
        CarrierService,
        related=("carrier",),
        subjects=(("fulfillment.carrierservice", "id"),),
        label=lambda r: f"{r.carrier.name if r.carrier else r.carrier_id} {r.name}",
    ),
    Audited(
        RateCardRow,
        related=("service__carrier",),
        subjects=(("fulfillment.carrierservice", "service_id"),),
        replaced_as_set=True,
        label=_cell,
    ),
    Audited(
        TransitTime,
        related=("service__carrier",),
        subjects=(("fulfillment.carrierservice", "service_id"),),
        replaced_as_set=True,
        label=lambda r: f"{_service(r)} zone {r.zone} transit days",
    ),
    Audited(
        RoutingPolicy,
        m2m=("excluded_locations",),
        related=("channel",),
        subjects=(("fulfillment.routingpolicy", "id"), ("channels.channel", "channel_id")),
        label=lambda r: f"Routing rules for {r.channel.name if r.channel else 'every channel'}",
    ),
    Audited(CostSettings, subjects=(("fulfillment.routingpolicy", "id"),), label=lambda r: "Routing cost settings"),
    Audited(Channel, excluded=("updated_at",), subjects=(("channels.channel", "id"),), label=lambda r: r.code),
    Audited(
        ChannelSync,
        excluded=(
            "credential_status",
            "credential_error",
            "last_push_ok_at",
            "last_pull_ok_at",
            "last_reconcile_at",
            "drift_found",
            "throttled_until",
            "throttle_count",
            "orders_watermark",
            "last_notices_ok_at",
            "notices_subscription_id",
            "notices_destination_id",
            "notices_subscribed_at",
            "notices_checked_at",
            "notices_error",
            "notices_setup_requested_at",
            "resync_total",
            "resync_started_at",
        ),
        m2m=("feeding_locations",),
        secret=("credentials_encrypted",),
        related=("channel",),
        subjects=(("channels.channel", "channel_id"),),
        label=lambda r: f"Connection and stock policy of {r.channel.code if r.channel else r.channel_id}",
    ),
    Audited(
        StockOverride,
        related=("channel", "sku"),
        subjects=(("channels.channel", "channel_id"), ("inventory.sku", "sku_id")),
        label=lambda r: f"{r.sku.code if r.sku else r.sku_id} on {r.channel.code if r.channel else r.channel_id}",
    ),
    Audited(
        ChannelApiKey,
        excluded=("last_used_at",),
        secret=("key_hash",),
        related=("channel",),
        subjects=(("channels.channel", "channel_id"),),
        label=lambda r: f"API key {r.prefix} ({r.name})",
    ),
    Audited(
        Partner,
        excluded=("updated_at", "last_contact_at"),
        m2m=("locations",),
        secret=("credentials",),
        subjects=(("partners.partner", "id"),),
        label=lambda r: r.code,
    ),
    Audited(
        PartnerContact,
        related=("partner",),
        subjects=(("partners.partner", "partner_id"),),
        label=lambda r: f"Contact {r.name}",
    ),
    Audited(
        PartnerSkuCost,
        related=("partner", "sku"),
        subjects=(("partners.partner", "partner_id"), ("inventory.sku", "sku_id")),
        label=lambda r: (
            f"Cost of {r.sku.code if r.sku else r.sku_id} from {r.partner.code if r.partner else r.partner_id}"
        ),
    ),
    Audited(
        get_user_model(),
        excluded=("last_login",),
        m2m=("groups",),
        secret=("password",),
        subjects=(("auth.user", "id"),),
        label=lambda r: r.username,
    ),
]

for _entry in _ENTRIES:
    audited_add(_entry)
    simple_history.register(
        _entry.model,
        app="audit",
        records_class=AuditedRecords,
        excluded_fields=list(_entry.excluded),
        m2m_fields=list(_entry.m2m),
        get_user=history_user,
    )
    record_bulk_creates(_entry.model)

__all__ = ["AUDITED", "AuditTrail"]
