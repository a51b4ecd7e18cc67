"""Weight limits are said in grams and pounds, the way a person reads a scale."""

from __future__ import annotations

import pytest
from django.urls import reverse

from carriers.models import BoxType

pytestmark = pytest.mark.django_db


def test_a_box_too_heavy_for_the_carriers_says_the_limit_in_grams_and_pounds(client, back_office_user):
    client.force_login(back_office_user)
    data = {
        "name": "Crate",
        "length_cm": "60",
        "width_cm": "40",
        "height_cm": "40",
        "tare_grams": "900",
        "max_weight_grams": "80000",
        "location": "",
    }

    response = client.post(reverse("carriers:box_create"), data)

    assert response.status_code == 422
    error = response.content.decode().split('id="id_max_weight_grams_error"', 1)[1].split("</ul>", 1)[0]
    assert "at most 70,000 g (154 lb)" in error
    assert not BoxType.objects.exists()
