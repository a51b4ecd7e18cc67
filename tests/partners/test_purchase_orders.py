"""Dropship purchase orders: opened in routing's transaction, sent after commit, kept off our work queue,
cancelled from our side with the units routed elsewhere."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from fulfillment.models import RoutingExclusion, ShipmentStatus
from fulfillment.selectors.work import work_counts, work_locations
from inventory.models import LocationKind, StockLevel
from orders.models import OrderStatus
from partners.models import (
    DocumentKind,
    DocumentStatus,
    Exchange,
    PartnerDocument,
    PartnerUser,
    PurchaseOrder,
    PurchaseOrderStatus,
)
from partners.selectors import SLA_ACK_LATE, SLA_ON_TIME, partner_health, purchase_order_detail, purchase_order_list
from partners.services import (
    purchase_order_cancel,
    purchase_order_for_shipment,
    purchase_order_transmit,
    purchase_orders_transmit_sweep,
)
from tests.factories import LocationFactory, SKUFactory, UserFactory, stocked, user_with_role
from tests.factories.orders import ChannelFactory, place_order
from tests.factories.partners import dropship_shipment, dropship_supplier, equal_handling, po_of, sku_cost

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(db):
    return ChannelFactory(code="web", name="Web shop")


@pytest.fixture
def tee(db):
    return SKUFactory(code="TEE-BLK-M", name="Black tee, M", weight_grams=300)


@pytest.fixture
def mug(db):
    return SKUFactory(code="MUG-WHT", name="White mug", weight_grams=450)


@pytest.fixture
def supplier(db, tee, mug):
    equal_handling()
    partner, location = dropship_supplier("acme")
    sku_cost(partner, tee, "6.40", "ACME-TEE")
    sku_cost(partner, mug, "3.10", "ACME-MUG")
    stocked(location, tee, 20)
    stocked(location, mug, 20)
    return partner, location


@pytest.fixture
def warehouse(db, tee, mug):
    dc: Any = LocationFactory(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE, priority=50)
    stocked(dc, tee, 10)
    stocked(dc, mug, 10)
    return dc


def test_routing_to_a_supplier_opens_a_po_in_the_same_transaction_and_sends_it_after_commit(
    web, tee, mug, supplier, django_capture_on_commit_callbacks
):
    partner, location = supplier
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = place_order(
            web,
            [("TEE-BLK-M", 2), ("MUG-WHT", 1)],
            customer_name="Grace Hopper",
            customer_email="grace@example.com",
            customer_phone="+1 555 0100",
            line1="1 Navy Way",
            city="New York",
            region="NY",
        ).order
        shipment = order.shipments.get()
        po = PurchaseOrder.objects.get(shipment=shipment)
        # Opened inside the order's transaction, not sent yet.
        assert (po.partner, po.status, po.sent_at) == (partner, PurchaseOrderStatus.SENT, None)

    assert shipment.location == location
    lines = po.lines.all()
    assert [(line.line_number, line.sku.code, line.supplier_sku, line.quantity, line.unit_cost) for line in lines] == [
        (1, "TEE-BLK-M", "ACME-TEE", 2, Decimal("6.40")),
        (2, "MUG-WHT", "ACME-MUG", 1, Decimal("3.10")),
    ]
    assert po.total_cost == Decimal("15.90")
    assert po.ship_to == {
        "name": "Grace Hopper",
        "line1": "1 Navy Way",
        "line2": "",
        "city": "New York",
        "region": "NY",
        "postal_code": "10001",
        "country": "US",
    }  # no email or phone: the supplier sees the ship-to only
    assert po.service_level == order.service_level
    assert po.ship_by == shipment.ship_by
    assert po.ack_due_at is not None and po.ship_due_at is not None
    assert (po.ack_due_at - po.created_at).total_seconds() == pytest.approx(24 * 3600, abs=5)
    assert (po.ship_due_at - po.created_at).total_seconds() == pytest.approx(48 * 3600, abs=5)
    assert callbacks, "the transmission is queued for after the commit"

    po.refresh_from_db()
    assert po.sent_at is not None  # the callbacks ran: the task sent it
    out = PartnerDocument.objects.get(purchase_order=po, direction="out")
    assert (out.kind, out.via, out.status) == (DocumentKind.PURCHASE_ORDER, Exchange.API, DocumentStatus.SENT)
    assert out.parsed["number"] == po.number and out.parsed["lines"][0]["supplier_sku"] == "ACME-TEE"
    assert "grace@example.com" not in out.raw


def test_no_po_survives_when_routing_rolls_back(web, tee, supplier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        place_order(web, [("TEE-BLK-M", 1)])
        assert PurchaseOrder.objects.count() == 1
        raise RuntimeError("the order's transaction fails after routing")

    assert PurchaseOrder.objects.count() == 0
    assert callbacks == []  # nothing is sent for a PO that never existed
    assert StockLevel.objects.get(location=supplier[1], sku=tee).reserved == 0


def test_transmitting_twice_sends_once(web, tee, supplier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        po = po_of(place_order(web, [("TEE-BLK-M", 1)]).order)

    assert purchase_order_transmit(purchase_order_id=po.pk) is None
    assert purchase_orders_transmit_sweep() == []
    assert PartnerDocument.objects.filter(purchase_order=po, direction="out").count() == 1


def test_a_po_whose_task_was_lost_is_sent_by_the_sweep(web, tee, supplier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        po = po_of(place_order(web, [("TEE-BLK-M", 1)]).order)
    assert PurchaseOrder.objects.get(pk=po.pk).sent_at is None
    PurchaseOrder.objects.filter(pk=po.pk).update(created_at=timezone.now() - timedelta(minutes=5))

    assert purchase_orders_transmit_sweep() == [po.pk]
    assert PurchaseOrder.objects.get(pk=po.pk).sent_at is not None


def test_an_edi_partner_gets_an_850_in_its_outbox_once(web, tee, db, django_capture_on_commit_callbacks):
    equal_handling()
    _partner, location = dropship_supplier(
        "edi-co", exchange=Exchange.EDI, edi_our_id="FULFILGOODS", edi_their_id="EDICO"
    )
    stocked(location, tee, 5)
    with django_capture_on_commit_callbacks(execute=True):
        po = po_of(place_order(web, [("TEE-BLK-M", 2)]).order)

    out = PartnerDocument.objects.get(purchase_order=po, direction="out")
    assert (out.kind, out.via, out.status) == (DocumentKind.PURCHASE_ORDER, Exchange.EDI, DocumentStatus.SENT)
    assert out.raw.startswith("ISA") and "BEG*00*DS*" in out.raw and "PO1*" in out.raw
    _dirs, files = default_storage.listdir("edi/edi-co/outbox")
    assert len(files) == 1 and po.number in files[0]
    assert PurchaseOrder.objects.get(pk=po.pk).sent_at is not None
    assert purchase_order_transmit(purchase_order_id=po.pk) is None  # sent once
    assert len(default_storage.listdir("edi/edi-co/outbox")[1]) == 1


def test_an_edi_partner_without_ids_is_said_once_and_waits(web, tee, db, django_capture_on_commit_callbacks):
    equal_handling()
    _partner, location = dropship_supplier("no-ids", exchange=Exchange.EDI)
    stocked(location, tee, 5)
    with django_capture_on_commit_callbacks(execute=True):
        po = po_of(place_order(web, [("TEE-BLK-M", 1)]).order)

    failed = PartnerDocument.objects.get(purchase_order=po, direction="out")
    assert failed.status == DocumentStatus.FAILED and "no EDI ids" in failed.error
    assert purchase_order_transmit(purchase_order_id=po.pk) is None
    assert PurchaseOrder.objects.get(pk=po.pk).sent_at is None


def test_a_partner_on_a_3pl_connector_gets_no_po_and_it_is_said_once(web, tee, db, django_capture_on_commit_callbacks):
    equal_handling()
    _partner, location = dropship_supplier("conn-co", exchange=Exchange.CONNECTOR)
    stocked(location, tee, 5)
    with django_capture_on_commit_callbacks(execute=True):
        po = po_of(place_order(web, [("TEE-BLK-M", 1)]).order)

    failed = PartnerDocument.objects.get(purchase_order=po, direction="out")
    assert failed.status == DocumentStatus.FAILED and "3PL connector" in failed.error
    assert purchase_order_transmit(purchase_order_id=po.pk) is None  # recorded once, not on every sweep
    assert PurchaseOrder.objects.get(pk=po.pk).sent_at is None


def test_the_suppliers_shipment_is_not_work_in_our_queue(web, tee, supplier, warehouse):
    operator = user_with_role("Administrator", username="boss", is_superuser=True)
    order = place_order(web, [("TEE-BLK-M", 1)]).order
    assert order.shipments.get().location == supplier[1]

    counts = work_counts(user=operator, location=None, today=timezone.localdate())
    assert counts["accept"] == 0
    assert supplier[1] not in work_locations(user=operator)


def test_cancelling_a_po_releases_its_units_and_routes_them_away_from_the_partner(web, tee, supplier, warehouse):
    location = supplier[1]
    order = place_order(web, [("TEE-BLK-M", 2)]).order
    po = po_of(order)
    staff = user_with_role("Back office", username="buyer")

    with pytest.raises(ValidationFailed):
        purchase_order_cancel(purchase_order=po, actor=staff, reason=" ")
    cancelled = purchase_order_cancel(purchase_order=po, actor=staff, reason="supplier too slow this week")

    assert (cancelled.status, cancelled.cancel_reason) == (PurchaseOrderStatus.CANCELLED, "supplier too slow this week")
    assert dropship_shipment(po).status == ShipmentStatus.CANCELLED
    assert StockLevel.objects.get(location=location, sku=tee).reserved == 0
    [moved] = order.shipments.exclude(pk=po.shipment_id)
    assert (moved.location, moved.status) == (warehouse, ShipmentStatus.REQUESTED)
    assert StockLevel.objects.get(location=warehouse, sku=tee).reserved == 2
    assert RoutingExclusion.objects.filter(order=order, location=location).exists()
    told = PartnerDocument.objects.filter(purchase_order=po, direction="out").latest("pk")
    assert told.parsed["action"] == "cancel"
    order.refresh_from_db()
    assert order.status == OrderStatus.ROUTED

    assert purchase_order_cancel(purchase_order=po, actor=staff, reason="again").status == PurchaseOrderStatus.CANCELLED
    assert PurchaseOrder.objects.filter(shipment__order=order).count() == 1  # the re-route opened no new PO


def test_a_shipped_po_cannot_be_cancelled(web, tee, supplier):
    po = po_of(place_order(web, [("TEE-BLK-M", 1)]).order)
    PurchaseOrder.objects.filter(pk=po.pk).update(status=PurchaseOrderStatus.SHIPPED)

    with pytest.raises(Conflict, match="can no longer be cancelled"):
        purchase_order_cancel(purchase_order=po, actor=None, reason="too late")


def test_lists_filter_by_sla_and_each_partner_sees_only_its_own(web, tee, supplier):
    partner, _location = supplier
    late = po_of(place_order(web, [("TEE-BLK-M", 1)], external_id="A-1").order)
    fresh = po_of(place_order(web, [("TEE-BLK-M", 1)], external_id="A-2").order)
    PurchaseOrder.objects.filter(pk=late.pk).update(ack_due_at=timezone.now() - timedelta(hours=1))
    rival, rival_location = dropship_supplier("rival", priority=0)
    stocked(rival_location, tee, 3)
    theirs = po_of(place_order(web, [("TEE-BLK-M", 1)], external_id="A-3").order)
    assert theirs.partner == rival
    manager = user_with_role("Back office", username="buyer")
    manager.user_permissions.add(Permission.objects.get(codename="manage_partners"))
    supplier_user: Any = UserFactory(username="acme-clerk")
    PartnerUser.objects.create(user=supplier_user, partner=partner)

    assert [po.pk for po in purchase_order_list(user=manager, sla=SLA_ACK_LATE)] == [late.pk]
    assert {po.pk for po in purchase_order_list(user=manager, sla=SLA_ON_TIME)} == {fresh.pk, theirs.pk}
    assert {po.pk for po in purchase_order_list(user=supplier_user)} == {late.pk, fresh.pk}
    assert [po.pk for po in purchase_order_list(user=manager, search=theirs.number)] == [theirs.pk]
    assert list(purchase_order_list(user=user_with_role("Warehouse operator", username="op"))) == []
    with pytest.raises(Http404):
        purchase_order_detail(user=supplier_user, pk=theirs.pk)
    detail: Any = purchase_order_detail(user=supplier_user, pk=late.pk)
    assert detail.sla_status == SLA_ACK_LATE


def test_partner_health_counts_open_late_and_last_contact(web, tee, supplier):
    partner, _location = supplier
    pos = [po_of(place_order(web, [("TEE-BLK-M", 1)], external_id=f"A-{n}").order) for n in range(3)]
    past = timezone.now() - timedelta(hours=1)
    PurchaseOrder.objects.filter(pk=pos[0].pk).update(ack_due_at=past)
    PurchaseOrder.objects.filter(pk=pos[1].pk).update(ship_due_at=past)
    purchase_order_cancel(purchase_order=pos[2], actor=None, reason="not needed")

    health = partner_health(partner=partner)

    assert (health.open_pos, health.late_acks, health.late_shipments) == (2, 1, 1)
    assert health.last_contact_at is None  # nothing heard from the partner yet
    partner.last_contact_at = timezone.now()
    partner.save(update_fields=["last_contact_at"])
    assert partner_health(partner=partner).last_contact_at == partner.last_contact_at


@pytest.mark.postgres
def test_opening_the_po_adds_two_statements_to_routing(web, tee, mug, supplier, django_assert_num_queries):
    """One read (the partner, any PO the shipment has, the SKUs' costs, the PO's number), one write
    (the PO, its lines and the timeline entry)."""
    place_order(web, [("TEE-BLK-M", 1)], external_id="WARM")  # caches the cost model and rules

    with django_assert_num_queries(11) as counted:  # 9 for the same order from a warehouse
        order = place_order(web, [("TEE-BLK-M", 2), ("MUG-WHT", 1)], external_id="A-2").order

    po = po_of(order)
    assert sum('"partners_' in query["sql"] for query in counted.captured_queries) == 2
    assert [(line.line_number, line.supplier_sku, line.quantity, line.unit_cost) for line in po.lines.all()] == [
        (1, "ACME-TEE", 2, Decimal("6.40")),
        (2, "ACME-MUG", 1, Decimal("3.10")),
    ]
    assert po.total_cost == Decimal("15.90")
    entry = order.events.get(data__purchase_order=po.pk)
    assert entry.message.startswith(f"{po.number} for ")


def test_a_shipment_that_has_its_po_gets_the_same_po_back(web, tee, supplier, django_assert_num_queries):
    order = place_order(web, [("TEE-BLK-M", 1)], external_id="A-1").order
    po = po_of(order)
    shipment = order.shipments.select_related("location", "order").get()

    with django_assert_num_queries(3):  # the shipment's lines, the partner with its PO, that PO
        again = purchase_order_for_shipment(shipment)

    assert again == po and PurchaseOrder.objects.count() == 1
    assert order.events.filter(data__purchase_order=po.pk).count() == 1  # no second timeline entry
    later = po_of(place_order(web, [("TEE-BLK-M", 1)], external_id="A-2").order)
    assert later.pk == po.pk + 1  # asking again took no number from the POs' sequence


def test_routing_sends_nothing_to_a_dropship_location_while_no_active_partner_runs_it(web, tee, supplier):
    partner, location = supplier
    orphan: Any = LocationFactory(code="lost-ds", kind=LocationKind.DROPSHIP_SUPPLIER, postal_code="10001")
    stocked(orphan, tee, 50)
    partner.is_active = False
    partner.save()

    waiting = place_order(web, [("TEE-BLK-M", 1)], external_id="A-1").order

    assert waiting.status == OrderStatus.BACKORDERED  # nobody would ship it from either location
    assert not waiting.shipments.exists() and not PurchaseOrder.objects.exists()
    # Staff are told where the stock is and why it is not used, not that there is none.
    assert waiting.routing_reason == (
        "Backordered: no eligible location has stock of TEE-BLK-M; "
        f"{location.code}, lost-ds hold stock but no active supplier runs them"
    )

    partner.is_active = True
    partner.save()
    routed = place_order(web, [("TEE-BLK-M", 1)], external_id="A-2").order

    assert [s.location for s in routed.shipments.all()] == [location] and po_of(routed).partner == partner
    assert "no active supplier" not in routed.routing_reason  # nothing waits: lost-ds is not worth a word


def test_a_backorder_names_the_one_unrun_location_that_holds_the_stock(web, tee, supplier):
    partner, location = supplier
    partner.is_active = False
    partner.save()

    waiting = place_order(web, [("TEE-BLK-M", 2)]).order

    assert waiting.routing_reason.endswith(f"; {location.code} holds stock but no active supplier runs it")


def test_a_shipment_whose_supplier_left_gets_no_po_and_says_so(web, tee, supplier, caplog):
    partner, location = supplier
    order = place_order(web, [("TEE-BLK-M", 1)]).order
    shipment = order.shipments.select_related("location", "order").get()
    PurchaseOrder.objects.all().delete()
    partner.locations.remove(location)

    assert purchase_order_for_shipment(shipment) is None
    assert f"{shipment} went to dropship location acme-ds, which no partner owns." in caplog.text


def test_the_po_goes_to_the_active_supplier_when_a_former_one_still_holds_the_location(web, tee, db):
    equal_handling()
    former, location = dropship_supplier("former", is_active=False)  # the lower id: it was there first
    current = dropship_supplier("current")[0]
    current.locations.add(location)
    stocked(location, tee, 5)

    po = po_of(place_order(web, [("TEE-BLK-M", 1)]).order)

    assert po.partner == current and former.pk < current.pk
