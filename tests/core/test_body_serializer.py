"""Request bodies validated with shallow copies of their declared fields: each request's answer is
its own, whatever was validated before it or beside it."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.api import BodySerializer
from orders.serializers import OrderCreateSerializer


class _Part(BodySerializer):
    code = serializers.CharField(max_length=5)


class _Body(BodySerializer):
    name = serializers.CharField(max_length=10)
    count = serializers.IntegerField(min_value=1, default=1)
    tags = serializers.JSONField(default=dict)
    options = serializers.JSONField(default={})  # a mutable object, not a factory
    notes = serializers.ListField(child=serializers.CharField(), default=[])
    part = _Part()
    parts = serializers.ListField(child=_Part(), required=False)


def _order(**changes: Any) -> dict[str, Any]:
    body = {
        "external_id": "A-1",
        "customer": {"name": "Ann"},
        "shipping_address": {"postal_code": "10001"},
        "lines": [{"sku": "TEE", "quantity": 1}],
    }
    body.update(changes)
    return body


def test_bodies_validated_side_by_side_keep_their_own_values_and_errors():
    good = _Body(data={"name": "first", "count": 3, "part": {"code": "AB"}, "parts": [{"code": "C"}]})
    bad = _Body(data={"name": "x" * 11, "count": 0, "part": {"code": "TOOLONG"}, "parts": [{"code": ""}]})
    assert set(good.fields) == set(bad.fields)  # both instances have their fields before either validates

    assert not bad.is_valid()
    assert good.is_valid(), good.errors
    assert good.validated_data["count"] == 3 and good.validated_data["part"] == {"code": "AB"}
    assert set(bad.errors) == {"name", "count", "part", "parts"}
    assert "no more than 10" in str(bad.errors["name"][0]) and "no more than 5" in str(bad.errors["part"]["code"][0])
    assert _Body(data={"name": "third", "part": {"code": "Z"}}).is_valid()


def test_a_mutable_default_is_not_shared_between_requests():
    first = _Body(data={"name": "a", "part": {"code": "A"}})
    assert first.is_valid(), first.errors
    first.validated_data["notes"].append("changed by the first request")
    first.validated_data["options"]["gift"] = True

    second = _Body(data={"name": "b", "part": {"code": "B"}})
    assert second.is_valid(), second.errors
    assert second.validated_data["notes"] == [] and second.validated_data["tags"] == {}
    assert second.validated_data["options"] == {}


def test_the_declared_fields_are_never_bound_to_a_request():
    body = _Body(data={"name": "a", "part": {"code": "A"}})
    body.is_valid()

    declared = _Body._declared_fields
    assert all(getattr(field, "parent", None) is None for name, field in declared.items() if name != "parts")
    assert body.fields["name"] is not declared["name"] and body.fields["name"].parent is body


def test_order_bodies_in_turn_each_get_their_own_errors():
    refused = OrderCreateSerializer(data=_order(lines=[{"sku": "TEE", "quantity": 0}], currency="EURO"))
    accepted = OrderCreateSerializer(data=_order(external_id=" B-2 ", customer={"name": "Bo", "email": "bo@x.io"}))

    assert not refused.is_valid()
    assert accepted.is_valid(), accepted.errors
    assert set(refused.errors) == {"lines", "currency"}
    assert "greater than or equal to 1" in str(refused.errors["lines"][0]["quantity"][0])
    given = accepted.to_order_input()
    assert (given.external_id, given.customer_email, given.currency, given.country) == ("B-2", "bo@x.io", "USD", "US")
    assert given.delivery_method == "ship" and given.lines[0].quantity == 1
