"""A correctly signed carrier webhook whose strings hold NUL or a lone surrogate is recorded with
those characters taken out, not refused by PostgreSQL with a 500; the shared cleaner does it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from carriers.connectors.easypost.webhooks import SIGNATURE_HEADER, webhook_signature
from carriers.models import CarrierAccount, WebhookEvent
from core.crypto import credentials_encrypt
from core.safe_json import clean, clean_text, loads_clean

SAMPLE = Path(__file__).resolve().parents[2] / "carriers" / "sandbox" / "samples"
SAMPLE = SAMPLE / "easypost_tracker_updated_webhook_event.json"


def test_the_cleaner_drops_nul_and_replaces_lone_surrogates_but_keeps_real_text():
    assert clean_text("a\x00b\ud800c") == "ab\ufffdc"
    assert clean_text("caf\u00e9 \U0001f600") == "caf\u00e9 \U0001f600"
    assert clean({"k\x00": ["\udfff", 1, None]}) == {"k": ["\ufffd", 1, None]}
    assert loads_clean(b'{"a": "x\\u0000y", "b": "\\ud83d\\ude00", "c": "\\ud83d"}') == {
        "a": "xy",
        "b": "\U0001f600",
        "c": "\ufffd",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["\\u0000", "\\ud800"])
def test_a_signed_easypost_event_with_unstorable_text_is_recorded_cleaned(bad):
    account = CarrierAccount.objects.create(
        code="easypost-main",
        name="EasyPost",
        provider="easypost",
        base_url="sandbox://easypost.nul",
        credentials=credentials_encrypt({"api_key": "EZTK0", "webhook_secret": "whsec-nul"}),
    )
    event = json.loads(SAMPLE.read_text())
    event["id"] = "evt_nul"
    event["result"]["tracking_code"] = "EZ1000000001"
    text = json.dumps(event)
    text = text.replace('"evt_nul"', f'"evt_{bad}nul"').replace('"EZ1000000001"', f'"EZ{bad}1000000001"')
    body = text.encode()

    response = Client(raise_request_exception=False).post(
        f"/fulfillment/carriers/webhooks/{account.code}/",
        data=body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: webhook_signature("whsec-nul", body)},
    )

    assert response.status_code == 200, response.content
    stored = WebhookEvent.objects.get(account=account)
    assert "\x00" not in stored.event_id + stored.tracking_number
    assert stored.tracking_number in {"EZ1000000001", "EZ\ufffd1000000001"}
