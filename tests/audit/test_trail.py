"""Every audited model records who changed it, when, and each field before and after."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group, update_last_login

from audit.selectors import Change, audit_for_subject
from channels.auth import ChannelPrincipal
from channels.models import ChannelApiKey
from channels.services.keys import channel_create
from core.roles import BACK_OFFICE, WAREHOUSE_OPERATOR
from fulfillment.models import Carrier, CarrierService, RateCardRow
from fulfillment.services.rates import cost_settings_update, rate_table_set, routing_policy_set
from fulfillment.services.rates.routing_settings import PolicyRules
from fulfillment.services.rates.tables import RateRowInput
from inventory.services import location_access_grant, sku_update
from marketplaces.services.setup import channel_policy_update, stock_override_set
from partners.models import PartnerContact, PartnerSkuCost
from tests.factories import LocationFactory, user_with_role
from tests.factories.partners import PartnerFactory

pytestmark = pytest.mark.django_db


def fields_of(change: Change) -> dict[str, tuple[str, str]]:
    return {f.name: (f.before, f.after) for f in change.fields}


def changes_of(subject: str, object_id: int | None, model_key: str) -> list[Change]:
    return [c for c in audit_for_subject(subject=subject, object_id=object_id) if c.model_key == model_key]


def test_sku_change_names_who_and_each_field_before_and_after(sku: Any, back_office_user: Any, acting_as: Any) -> None:
    with acting_as(back_office_user):
        sku_update(sku=sku, price=Decimal("24.50"), name="Black tee, medium")

    change = changes_of("inventory.sku", sku.pk, "inventory.sku")[0]
    assert (change.action, change.user) == ("Changed", "backoffice")
    assert fields_of(change) == {"price": ("19.99", "24.50"), "name": ("Black tee, M", "Black tee, medium")}


def test_location_change_and_its_grants(warehouse: Any, back_office_user: Any, acting_as: Any) -> None:
    operator = user_with_role(WAREHOUSE_OPERATOR, username="op-two", locations=[warehouse])
    reno: Any = LocationFactory(code="reno-dc", name="Reno DC")
    with acting_as(back_office_user):
        warehouse.daily_order_capacity = 400
        warehouse.save()
        location_access_grant(user=operator, locations=[reno])

    change = changes_of("inventory.location", warehouse.pk, "inventory.location")[0]
    assert change.user == "backoffice"
    assert fields_of(change)["daily order capacity"] == ("—", "400")
    # Replacing the grants deletes the old row and bulk-creates the new one: both are on record.
    [removed] = changes_of("inventory.location", warehouse.pk, "inventory.locationaccess")[:1]
    [added] = changes_of("inventory.location", reno.pk, "inventory.locationaccess")
    assert (removed.action, removed.user, removed.object_label) == ("Deleted", "backoffice", "op-two at dal-dc")
    assert (added.action, added.user, added.object_label) == ("Created", "backoffice", "op-two at reno-dc")
    # The person's own page lists both.
    on_person = changes_of("auth.user", operator.pk, "inventory.locationaccess")
    assert {c.action for c in on_person} >= {"Created", "Deleted"}


def test_role_change_shows_groups_before_and_after(back_office_user: Any, acting_as: Any) -> None:
    operator = user_with_role(WAREHOUSE_OPERATOR, username="op-three")
    with acting_as(back_office_user):
        operator.groups.add(Group.objects.get(name=BACK_OFFICE))

    change = changes_of("auth.user", operator.pk, "auth.user")[0]
    assert change.user == "backoffice"
    assert fields_of(change)["groups"] == ("Warehouse operator", "Back office, Warehouse operator")


def test_a_sign_in_is_not_a_change(back_office_user: Any) -> None:
    before = len(changes_of("auth.user", back_office_user.pk, "auth.user"))
    update_last_login(type(back_office_user), back_office_user)
    assert len(changes_of("auth.user", back_office_user.pk, "auth.user")) == before


def test_rate_card_replacement_shows_the_old_and_new_cells(back_office_user: Any, acting_as: Any) -> None:
    carrier = Carrier.objects.create(code="ups", name="UPS")
    service = CarrierService.objects.create(carrier=carrier, code="ground", name="Ground", level="standard")
    with acting_as(back_office_user):
        rate_table_set(service=service, rows=[RateRowInput(1000, {1: Decimal("5.00")})], transit_days={1: 2})
        rate_table_set(service=service, rows=[RateRowInput(1000, {1: Decimal("6.25")})], transit_days={1: 2})

    # The service replaces the table (deletes every cell, creates the new ones): a cell re-created with
    # another price reads as that cell changed; the transit days, the same again, read as nothing.
    cells = changes_of("fulfillment.carrierservice", service.pk, "fulfillment.ratecardrow")
    assert [c.action for c in cells] == ["Changed", "Created"]
    assert {c.user for c in cells} == {"backoffice"}
    assert fields_of(cells[0]) == {"price": ("5.00", "6.25")}
    assert cells[0].object_label == "UPS Ground zone 1 up to 1000 g"
    transit = changes_of("fulfillment.carrierservice", service.pk, "fulfillment.transittime")
    assert [c.action for c in transit] == ["Created"]
    # The records themselves are all kept: the deleted cell is still in the table.
    assert RateCardRow.history.filter(service_id=service.pk, history_type="-").count() == 1  # type: ignore[attr-defined]


def test_routing_rules_and_costs(warehouse: Any, back_office_user: Any, acting_as: Any) -> None:
    with acting_as(back_office_user):
        routing_policy_set(rules=PolicyRules(max_packages=2))
        routing_policy_set(rules=PolicyRules(max_packages=3, excluded_locations=["dal-dc"]))
        cost_settings_update(package_cost=Decimal("1.10"))

    changes = audit_for_subject(subject="fulfillment.routingpolicy", object_id=None)
    assert {c.user for c in changes} == {"backoffice"}
    changed = [fields_of(c) for c in changes if c.model_key == "fulfillment.routingpolicy" and c.action == "Changed"]
    assert ("2", "3") in [f.get("max packages") for f in changed]
    assert ("none", "dal-dc — Dallas DC") in [f.get("excluded locations") for f in changed]
    costs = [c for c in changes if c.model_key == "fulfillment.costsettings"]
    assert costs and fields_of(costs[0])["package cost"][1] == "1.10"


def test_channel_settings_and_stock_policy(sku: Any, warehouse: Any, back_office_user: Any, acting_as: Any) -> None:
    with acting_as(back_office_user):
        channel = channel_create(code="shop", name="Shop", kind="web")
        channel.name = "Our shop"
        channel.save()
        channel_policy_update(channel=channel, feeding_locations=[warehouse], buffer=2, percentage=80, maximum=None)
        stock_override_set(channel=channel, sku=sku, buffer=None, maximum=5, blocked=False)

    changes = audit_for_subject(subject="channels.channel", object_id=channel.pk)
    assert {c.user for c in changes} == {"backoffice"}
    by_model = {c.model_key: c for c in reversed(changes)}  # the newest of each kind
    assert fields_of(changes_of("channels.channel", channel.pk, "channels.channel")[0])["name"] == ("Shop", "Our shop")
    # One edit of the stock policy is one change, its locations included (saved after the row).
    [policy_edit] = [
        c for c in changes_of("channels.channel", channel.pk, "marketplaces.channelsync") if c.action == "Changed"
    ]
    sync_fields = fields_of(policy_edit)
    assert sync_fields["buffer"] == ("0", "2")
    assert sync_fields["percentage"] == ("100", "80")
    assert sync_fields["feeding locations"] == ("none", "dal-dc — Dallas DC")
    assert fields_of(by_model["marketplaces.stockoverride"])["maximum"] == ("—", "5")
    # And on the SKU's page too.
    assert changes_of("inventory.sku", sku.pk, "marketplaces.stockoverride")


def test_partner_its_contacts_and_costs(sku: Any, warehouse: Any, back_office_user: Any, acting_as: Any) -> None:
    with acting_as(back_office_user):
        partner: Any = PartnerFactory(code="acme", name="Acme")
        partner.ack_sla_hours = 12
        partner.save()
        partner.locations.add(warehouse)
        contact = PartnerContact.objects.create(partner=partner, name="Jo", email="jo@acme.test")
        contact.email = "orders@acme.test"
        contact.save()
        cost = PartnerSkuCost.objects.create(partner=partner, sku=sku, unit_cost=Decimal("7.00"))
        cost.unit_cost = Decimal("7.40")
        cost.save()

    changes = audit_for_subject(subject="partners.partner", object_id=partner.pk)
    assert {c.user for c in changes} == {"backoffice"}
    partner_changes = [fields_of(c) for c in changes if c.model_key == "partners.partner" and c.action == "Changed"]
    assert ("24", "12") in [f.get("hours to acknowledge") for f in partner_changes]
    assert ("none", "dal-dc — Dallas DC") in [f.get("locations") for f in partner_changes]
    contact_change = changes_of("partners.partner", partner.pk, "partners.partnercontact")[0]
    assert fields_of(contact_change) == {"email": ("jo@acme.test", "orders@acme.test")}
    cost_change = changes_of("inventory.sku", sku.pk, "partners.partnerskucost")[0]
    assert fields_of(cost_change) == {"unit cost": ("7.00", "7.40")}
    assert cost_change.object_label == "Cost of TEE-BLK-M from acme"


def test_a_change_outside_a_request_is_the_systems(sku: Any) -> None:
    sku_update(sku=sku, weight_grams=900)
    assert changes_of("inventory.sku", sku.pk, "inventory.sku")[0].user == "system"


def test_a_change_made_with_a_channel_key_names_the_key(sku: Any, acting_as: Any) -> None:
    channel = channel_create(code="shop", name="Shop", kind="web")
    key: Any = ChannelApiKey(channel=channel, name="Storefront", prefix="abc123")
    with acting_as(ChannelPrincipal(key)):
        sku_update(sku=sku, weight_grams=750)

    change = changes_of("inventory.sku", sku.pk, "inventory.sku")[0]
    assert (change.user, change.reason) == ("system", "API key of channel:shop")
    assert fields_of(change) == {"weight grams": ("500", "750")}
