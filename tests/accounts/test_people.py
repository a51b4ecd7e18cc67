"""The users pages: who may use them, the list, invitations, roles and locations, the last-administrator guard."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.roles import ADMINISTRATOR, BACK_OFFICE, STORE_ASSOCIATE, SUPPLIER, WAREHOUSE_OPERATOR
from inventory.models import LocationAccess
from partners.models import PartnerUser
from tests.accounts.support import PASSWORD, enrolled, text
from tests.factories import user_with_role
from tests.factories.partners import PartnerFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def admin(admin_user: Any) -> Client:
    """The administrator's browser (its own: other fixtures sign `client` in as someone else)."""
    browser = Client()
    browser.force_login(admin_user)
    return browser


def _invite(client: Client, **fields: Any) -> Any:
    data = {"email": "dana@example.com", "first_name": "Dana", "last_name": "Diaz", "role": BACK_OFFICE, **fields}
    return client.post(reverse("accounts:invite"), data)


@pytest.mark.parametrize(
    ("method", "name", "needs_pk"),
    [
        ("get", "accounts:people", False),
        ("get", "accounts:invite", False),
        ("post", "accounts:invite", False),
        ("get", "accounts:sign_in_rules", False),
        ("post", "accounts:sign_in_rules", False),
        ("get", "accounts:person", True),
        ("post", "accounts:person", True),
        ("post", "accounts:person_deactivate", True),
        ("post", "accounts:person_reactivate", True),
        ("post", "accounts:person_password_link", True),
        ("post", "accounts:person_unlock", True),
        ("post", "accounts:person_two_factor_reset", True),
    ],
)
def test_only_administrators_manage_users(back_office_client, admin_user, method, name, needs_pk):
    url = reverse(name, args=[admin_user.pk] if needs_pk else [])
    response = getattr(back_office_client, method)(url, {"role": BACK_OFFICE} if method == "post" else None)
    assert response.status_code == 403
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.groups.filter(name=ADMINISTRATOR).exists()


def test_the_more_menu_links_users_for_administrators_only(admin, back_office_client):
    assert reverse("accounts:people") in admin.get(reverse("ui:dashboard")).content.decode()
    assert reverse("accounts:people") not in back_office_client.get(reverse("ui:dashboard")).content.decode()


def test_the_list_shows_role_locations_two_factor_and_status_in_constant_queries(
    admin, admin_user, operator_user, associate_user, warehouse, store, django_assert_num_queries
):
    enrolled(operator_user)
    supplier: Any = PartnerFactory(code="acme", name="Acme Supplies")
    portal = user_with_role(SUPPLIER, username="sam@acme.example")
    PartnerUser.objects.create(user=portal, partner=supplier)

    response = admin.get(reverse("accounts:people"))

    assert response.status_code == 200
    rows = {
        username: dict(re.findall(r'data-figure="([\w-]+)">(.*?)</td>', row, flags=re.S))
        for username, row in re.findall(r'<tr data-person="([^"]+)"[^>]*>(.*?)</tr>', response.content.decode(), re.S)
    }
    clean = {u: {k: re.sub(r"<[^>]+>|\s+", " ", v).split() for k, v in r.items()} for u, r in rows.items()}
    assert clean["operator"]["role"] == ["Warehouse", "operator"] and clean["operator"]["locations"] == ["dal-dc"]
    assert clean["operator"]["two-factor"] == ["On"] and clean["associate"]["two-factor"] == ["Off"]
    assert clean["associate"]["locations"] == ["nyc-store"]
    assert clean["sam@acme.example"]["locations"] == ["Acme", "Supplies"]
    assert clean["admin-user"]["locations"] == ["Every", "location"]

    with CaptureQueriesContext(connection) as few:
        admin.get(reverse("accounts:people"))
    for n in range(6):
        user_with_role(WAREHOUSE_OPERATOR, username=f"op{n}", locations=[warehouse, store])
    with django_assert_num_queries(len(few.captured_queries)):
        many = admin.get(reverse("accounts:people"))
    assert many.content.decode().count("data-person=") == len(rows) + 6


def test_the_list_searches_and_filters(admin, operator_user, associate_user):
    found = admin.get(reverse("accounts:people"), {"q": "associ"})
    assert 'data-person="associate"' in found.content.decode()
    assert 'data-person="operator"' not in found.content.decode()
    by_role = admin.get(reverse("accounts:people"), {"role": WAREHOUSE_OPERATOR}).content.decode()
    assert 'data-person="operator"' in by_role and 'data-person="associate"' not in by_role


def test_an_invitation_emails_a_one_time_link_that_sets_a_password_and_signs_in(
    admin, warehouse, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(admin, role=WAREHOUSE_OPERATOR, locations=[warehouse.pk])

    person = User.objects.get(email="dana@example.com")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:person", args=[person.pk])
    assert "Invitation sent to dana@example.com" in text(admin.get(response["Location"]))
    assert person.username == "dana@example.com" and not person.has_usable_password()
    assert list(person.groups.values_list("name", flat=True)) == [WAREHOUSE_OPERATOR]
    assert list(LocationAccess.objects.filter(user=person).values_list("location__code", flat=True)) == ["dal-dc"]
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["dana@example.com"]
    link = re.search(r"http://testserver(/accounts/set-password/\S+/)", mailoutbox[0].body)
    assert link, mailoutbox[0].body

    invitee = Client()
    form = invitee.get(link.group(1), follow=True)
    assert "Choose your password" in text(form)
    weak = invitee.post(form.redirect_chain[-1][0], {"new_password1": "dana", "new_password2": "dana"})
    assert weak.status_code == 200 and "too short" in text(weak)
    done = invitee.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Amber-lantern-77", "new_password2": "Amber-lantern-77"},
        follow=True,
    )
    assert done.status_code == 200 and "Welcome, Dana" in text(done)
    assert invitee.get(reverse("inventory:location_list")).status_code == 200  # signed in, with the role's pages

    again = Client().get(link.group(1), follow=True)
    assert "This link no longer works" in text(again)  # used once
    assert Client().login(username="dana@example.com", password="Amber-lantern-77")


def test_an_invitation_is_refused_with_what_to_fix(admin, store, warehouse, operator_user):
    duplicate = _invite(admin, email="OPERATOR@example.com")
    assert duplicate.status_code == 422 and "operator@example.com already has an account" in text(duplicate)

    two_stores = _invite(admin, role=STORE_ASSOCIATE, locations=[store.pk, warehouse.pk])
    assert two_stores.status_code == 422 and "exactly one store" in text(two_stores)

    no_sites = _invite(admin, role=WAREHOUSE_OPERATOR)
    assert "Choose at least one location" in text(no_sites)

    no_partner = _invite(admin, role=SUPPLIER)
    assert "Choose the partner" in text(no_partner)
    assert not User.objects.filter(email="dana@example.com").exists()


def test_the_partner_page_links_to_the_invite_form_prefilled_with_that_partner(
    admin, mailoutbox, django_capture_on_commit_callbacks
):
    partner: Any = PartnerFactory(code="acme", name="Acme Supplies")
    page = admin.get(reverse("partners:partner_detail", args=[partner.pk])).content.decode()
    invite_url = f"{reverse('accounts:invite')}?partner={partner.pk}"
    assert invite_url in page

    form = admin.get(invite_url).content.decode()
    assert re.search(rf'<option value="{partner.pk}" selected>Acme Supplies</option>', form)
    assert re.search(r'value="Supplier"[^>]*checked', form)

    with django_capture_on_commit_callbacks(execute=True):
        _invite(admin, email="pat@acme.example", role=SUPPLIER, partner=partner.pk)
    person = User.objects.get(email="pat@acme.example")
    assert person.partner_membership.partner == partner
    assert len(mailoutbox) == 1


def test_changing_a_role_sets_locations_and_says_so(admin, operator_user, store, warehouse):
    url = reverse("accounts:person", args=[operator_user.pk])
    refused = admin.post(url, {"role": STORE_ASSOCIATE, "locations": [store.pk, warehouse.pk]})
    assert refused.status_code == 422 and "exactly one store" in text(refused)
    assert operator_user.groups.filter(name=WAREHOUSE_OPERATOR).exists()

    moved = admin.post(url, {"role": STORE_ASSOCIATE, "locations": [store.pk]}, follow=True)
    assert "is now Store associate" in text(moved)
    assert list(operator_user.groups.values_list("name", flat=True)) == [STORE_ASSOCIATE]
    assert list(LocationAccess.objects.filter(user=operator_user).values_list("location__code", flat=True)) == [
        "nyc-store"
    ]

    admin.post(url, {"role": BACK_OFFICE})
    assert not LocationAccess.objects.filter(user=operator_user).exists()  # every location through the role


def test_the_last_active_administrator_cannot_be_demoted_or_deactivated(admin, admin_user):
    demote = admin.post(reverse("accounts:person", args=[admin_user.pk]), {"role": BACK_OFFICE})
    assert demote.status_code == 422 and "is the last active administrator" in text(demote)
    admin_user.refresh_from_db()
    assert admin_user.is_superuser and admin_user.groups.filter(name=ADMINISTRATOR).exists()

    other = user_with_role(ADMINISTRATOR, username="second-admin")
    other_client = Client()
    other_client.force_login(other)
    gone = other_client.post(reverse("accounts:person_deactivate", args=[admin_user.pk]), follow=True)
    assert "is deactivated" in text(gone), text(gone)  # with another administrator, this one may go
    admin_user.refresh_from_db()
    assert not admin_user.is_active
    last = other_client.post(reverse("accounts:person", args=[other.pk]), {"role": BACK_OFFICE})
    assert "is the last active administrator" in text(last)


def test_deactivate_and_reactivate(admin, back_office_user):
    gone = admin.post(reverse("accounts:person_deactivate", args=[back_office_user.pk]), follow=True)
    assert "is deactivated and can no longer sign in" in text(gone)
    assert not Client().login(username="backoffice", password=PASSWORD)
    back = admin.post(reverse("accounts:person_reactivate", args=[back_office_user.pk]), follow=True)
    assert "can sign in again" in text(back)
    assert Client().login(username="backoffice", password=PASSWORD)


def test_an_administrator_cannot_deactivate_themselves(admin, admin_user):
    user_with_role(ADMINISTRATOR, username="second-admin")
    response = admin.post(reverse("accounts:person_deactivate", args=[admin_user.pk]), follow=True)
    assert "You cannot deactivate your own account" in text(response)
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_a_password_reset_link_lets_the_person_choose_a_new_password(
    admin, back_office_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = admin.post(reverse("accounts:person_password_link", args=[back_office_user.pk]), follow=True)
    assert "A password reset link was emailed to backoffice@example.com" in text(sent)
    assert mailoutbox[0].subject == "Choose a new Fulfil password"
    path = re.search(r"http://testserver(/accounts/set-password/\S+/)", mailoutbox[0].body).group(1)  # type: ignore[union-attr]
    person = Client()
    form = person.get(path, follow=True)
    person.post(form.redirect_chain[-1][0], {"new_password1": "Quiet-harbour-31", "new_password2": "Quiet-harbour-31"})
    assert Client().login(username="backoffice", password="Quiet-harbour-31")


def test_the_status_filter_finds_invited_and_deactivated_people(
    admin, back_office_user, operator_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(admin)
    admin.post(reverse("accounts:person_deactivate", args=[operator_user.pk]))

    invited = admin.get(reverse("accounts:people"), {"status": "invited"}).content.decode()
    assert re.findall(r'data-person="([^"]+)"', invited) == ["dana@example.com"]
    gone = admin.get(reverse("accounts:people"), {"status": "inactive"}).content.decode()
    assert re.findall(r'data-person="([^"]+)"', gone) == ["operator"]
    assert "Deactivated" in gone


def test_a_deactivated_persons_link_no_longer_works(admin, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(admin)
    person = User.objects.get(email="dana@example.com")
    admin.post(reverse("accounts:person_deactivate", args=[person.pk]))
    path = re.search(r"http://testserver(/accounts/set-password/\S+/)", mailoutbox[0].body).group(1)  # type: ignore[union-attr]
    answer = Client().get(path, follow=True)
    assert "This link no longer works" in text(answer)
    refused = admin.post(reverse("accounts:person_password_link", args=[person.pk]), follow=True)
    assert "reactivate them before sending a link" in text(refused)
