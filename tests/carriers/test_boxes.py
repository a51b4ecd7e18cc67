"""The box catalog: the page, adding, editing and deactivating boxes, and the boxes a location packs into."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from carriers.models import BoxType
from carriers.services import BoxSpec, box_type_create, box_types_for
from core.errors import ValidationFailed
from tests.factories.pages import make_location

pytestmark = pytest.mark.django_db

BOXES = reverse("carriers:box_list")
ADD = reverse("carriers:box_create")


def box(name: str, size: tuple[str, str, str], *, location: Any = None, tare: int = 100, most: int = 10_000) -> BoxType:
    length, width, height = (Decimal(side) for side in size)
    spec = BoxSpec(name, length, width, height, tare, most, location)
    return box_type_create(spec=spec)


def form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Medium box",
        "length_cm": "30",
        "width_cm": "20",
        "height_cm": "15.5",
        "tare_grams": "180",
        "max_weight_grams": "12000",
        "location": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def manager(client, back_office_user):
    client.force_login(back_office_user)
    return client


def test_a_manager_sees_the_catalog_smallest_first_with_sizes_in_units(manager, warehouse):
    box("Large box", ("60", "40", "40"))
    box("Mailer", ("25", "18", "3"), location=warehouse)
    page = manager.get(BOXES).content.decode()
    assert page.index("Mailer") < page.index("Large box")
    assert "25.0 \u00d7 18.0 \u00d7 3.0 cm" in page
    assert "dal-dc" in page and "All locations" in page
    assert "Add a box" in page


def test_operators_and_associates_cannot_open_or_change_the_catalog(client, operator_user, associate_user):
    existing = box("Mailer", ("25", "18", "3"))
    for user in (operator_user, associate_user):
        client.force_login(user)
        assert client.get(BOXES).status_code == 403
        assert client.post(ADD, form()).status_code == 403
        assert client.get(reverse("carriers:box_edit", args=[existing.pk])).status_code == 403
        assert client.post(reverse("carriers:box_toggle", args=[existing.pk]), {"active": "0"}).status_code == 403
    assert BoxType.objects.filter(is_active=True).count() == 1


def test_adding_a_box_puts_it_in_the_catalog(manager, warehouse):
    response = manager.post(ADD, form(location=str(warehouse.pk)), follow=True)
    saved = BoxType.objects.get()
    assert (saved.name, saved.length_cm, saved.height_cm, saved.tare_grams) == (
        "Medium box",
        Decimal("30.0"),
        Decimal("15.5"),
        180,
    )
    assert saved.location == warehouse
    assert "Box Medium box added" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"length_cm": "0"}, "length_cm", "Length must be more than 0 cm."),
        ({"width_cm": "-3"}, "width_cm", "Width must be more than 0 cm."),
        ({"height_cm": "abc"}, "height_cm", "Height must be a number of cm, e.g. 30.5."),
        ({"height_cm": "12.25"}, "height_cm", "Height is measured to the millimetre: at most one decimal (cm)."),
        ({"length_cm": "400"}, "length_cm", "Length must be at most 274.0 cm (the carriers&#x27; limit)."),
        ({"tare_grams": "-1"}, "tare_grams", "Tare must be 0 g or more."),
        ({"max_weight_grams": "0"}, "max_weight_grams", "Max weight must be more than 0 g."),
        ({"max_weight_grams": "150"}, "max_weight_grams", "must be more than the box&#x27;s own weight (180 g)"),
        ({"name": ""}, "name", "Enter a name."),
    ],
)
def test_a_wrong_box_says_what_to_fix_in_units_and_saves_nothing(manager, overrides, field, message):
    response = manager.post(ADD, form(**overrides))
    assert response.status_code == 422
    page = response.content.decode()
    assert message in page
    assert f'id="id_{field}_error"' in page
    assert not BoxType.objects.exists()


def test_editing_a_box_changes_it(manager, warehouse):
    existing = box("Mailer", ("25", "18", "3"))
    url = reverse("carriers:box_edit", args=[existing.pk])
    assert 'value="25.0"' in manager.get(url).content.decode()
    response = manager.post(url, form(name="Flat mailer", length_cm="26", location=str(warehouse.pk)))
    assert response.status_code == 302
    existing.refresh_from_db()
    assert (existing.name, existing.length_cm, existing.location) == ("Flat mailer", Decimal("26.0"), warehouse)
    wrong = manager.post(url, form(length_cm="0"))
    assert wrong.status_code == 422
    assert "Length must be more than 0 cm." in wrong.content.decode()


def test_a_deactivated_box_is_no_longer_offered_to_packers_and_can_come_back(manager, warehouse):
    existing = box("Mailer", ("25", "18", "3"))
    toggle = reverse("carriers:box_toggle", args=[existing.pk])
    response = manager.post(toggle, {"active": "0"}, follow=True)
    assert "deactivated" in response.content.decode()
    assert box_types_for(warehouse) == []
    page = manager.get(BOXES).content.decode()
    assert "Inactive" in page and "Reactivate" in page
    manager.post(toggle, {"active": "1"})
    assert [b.name for b in box_types_for(warehouse)] == ["Mailer"]


def test_a_location_packs_into_its_own_boxes_and_the_shared_ones_smallest_first(warehouse, store):
    box("Large", ("60", "40", "40"))
    box("Mailer", ("25", "18", "3"), location=warehouse)
    box("Store bag", ("30", "30", "5"), location=store)
    box("Cube", ("20", "20", "20"), location=warehouse)
    gone = box("Old small", ("10", "10", "10"))
    BoxType.objects.filter(pk=gone.pk).update(is_active=False)
    assert [b.name for b in box_types_for(warehouse)] == ["Mailer", "Cube", "Large"]
    assert [b.name for b in box_types_for(store.pk)] == ["Store bag", "Large"]


def test_the_service_refuses_a_box_that_cannot_hold_anything():
    with pytest.raises(ValidationFailed) as refused:
        box("Heavy box", ("30", "30", "30"), tare=2000, most=2000)
    assert refused.value.field == "max_weight_grams"


def test_the_catalog_page_costs_the_same_queries_for_one_box_or_many(manager, django_assert_num_queries):
    shelf = make_location(code="reno-dc")
    box("One", ("20", "20", "20"), location=shelf)
    manager.get(BOXES)  # warm the session and permission caches
    with django_assert_num_queries(6) as one:
        manager.get(BOXES)
    for index in range(8):
        box(f"Box {index}", ("30", "20", str(10 + index)), location=make_location(code=f"site-{index}"))
    with django_assert_num_queries(len(one.captured_queries)):
        page = manager.get(BOXES).content.decode()
    assert "Box 7" in page and "site-7" in page
