"""The Amazon sandbox's Notifications API v1 and queue policy, driven over HTTP as a client would:
ORDER_CHANGE reaches the seller's queue only once it is subscribed and Amazon may send to it."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from marketplaces.sandbox import SandboxTransport, sandbox_reset

SP_API_ACCOUNT = "437568002678"  # the account SP-API sends notifications from
OTHER_QUEUE = "arn:aws:sqs:us-east-1:123456789012:someone-elses-queue"


@pytest.fixture
def sandbox() -> Any:
    return sandbox_reset(f"amazon.subs-{uuid.uuid4().hex[:8]}")


def _client(sandbox: Any) -> httpx.Client:
    return httpx.Client(base_url=f"sandbox://{sandbox.name}", transport=SandboxTransport())


def _token(sandbox: Any, **form: str) -> httpx.Response:
    fields = {"client_id": sandbox.client_id, "client_secret": sandbox.client_secret, **form}
    return _client(sandbox).post("/auth/o2/token", data=fields)


def seller_api(sandbox: Any) -> httpx.Client:
    """A client with the seller's access token (refresh_token grant)."""
    client = _client(sandbox)
    token = _token(sandbox, grant_type="refresh_token", refresh_token=sandbox.refresh_token).json()["access_token"]
    client.headers["x-amz-access-token"] = token
    return client


def grantless_api(sandbox: Any) -> httpx.Client:
    """A client with the application's grantless token (client_credentials grant)."""
    client = _client(sandbox)
    answer = _token(sandbox, grant_type="client_credentials", scope="sellingpartnerapi::notifications")
    client.headers["x-amz-access-token"] = answer.json()["access_token"]
    return client


def sqs(sandbox: Any, action: str, **payload: Any) -> httpx.Response:
    """One SQS JSON-protocol call to the sandbox's queue, signed with the seller's AWS key."""
    url = f"sandbox://{sandbox.name}/"
    request = AWSRequest(
        method="POST",
        url=url,
        data=json.dumps({"QueueUrl": sandbox.queue_url, **payload}).encode(),
        headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"AmazonSQS.{action}"},
    )
    keys = Credentials(sandbox.aws_access_key_id, sandbox.aws_secret_access_key)
    SigV4Auth(keys, "sqs", sandbox.region).add_auth(request)
    return _client(sandbox).post(url, content=request.body, headers=dict(request.headers.items()))


def create_destination(sandbox: Any, arn: str) -> httpx.Response:
    spec = {"name": "orders", "resourceSpecification": {"sqs": {"arn": arn}}}
    return grantless_api(sandbox).post("/notifications/v1/destinations", json=spec)


def subscribe(sandbox: Any, destination_id: str) -> httpx.Response:
    body = {"payloadVersion": "1.0", "destinationId": destination_id}
    return seller_api(sandbox).post("/notifications/v1/subscriptions/ORDER_CHANGE", json=body)


def let_amazon_send(sandbox: Any, label: str = "sp-api") -> httpx.Response:
    return sqs(sandbox, "AddPermission", Label=label, AWSAccountIds=[SP_API_ACCOUNT], Actions=["SendMessage"])


def error_code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["code"])


def test_a_grantless_token_needs_the_apps_credentials_and_the_notifications_scope(sandbox):
    scope = "sellingpartnerapi::notifications"
    answer = _token(sandbox, grant_type="client_credentials", scope=f"{scope} sellingpartnerapi::other")
    assert answer.status_code == 200
    assert answer.json()["scope"] == scope and answer.json()["token_type"] == "bearer"

    wrong = _token(sandbox, grant_type="client_credentials", scope=scope, client_secret="x")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    other_scope = _token(sandbox, grant_type="client_credentials", scope="sellingpartnerapi::migration")
    assert other_scope.status_code == 400 and other_scope.json()["error"] == "invalid_scope"
    # It is no seller's token: their orders stay closed to it.
    orders = _client(sandbox).get("/orders/v0/orders", headers={"x-amz-access-token": answer.json()["access_token"]})
    assert orders.status_code == 403


def test_each_notifications_operation_takes_only_its_kind_of_token(sandbox):
    spec = {"name": "orders", "resourceSpecification": {"sqs": {"arn": sandbox.queue_arn}}}
    refused = seller_api(sandbox).post("/notifications/v1/destinations", json=spec)
    assert refused.status_code == 403 and error_code(refused) == "Unauthorized"

    destination_id = create_destination(sandbox, sandbox.queue_arn).json()["payload"]["destinationId"]
    body = {"payloadVersion": "1.0", "destinationId": destination_id}
    refused = grantless_api(sandbox).post("/notifications/v1/subscriptions/ORDER_CHANGE", json=body)
    assert refused.status_code == 403 and error_code(refused) == "Unauthorized"


def test_one_destination_per_queue_arn_and_a_malformed_arn_is_refused(sandbox):
    created = create_destination(sandbox, sandbox.queue_arn)
    assert created.status_code == 200 and created.headers["x-amzn-RateLimit-Limit"] == "1"
    assert created.json()["payload"]["resource"] == {"sqs": {"arn": sandbox.queue_arn}}

    again = create_destination(sandbox, sandbox.queue_arn)
    assert again.status_code == 409 and error_code(again) == "Conflict"
    malformed = create_destination(sandbox, "arn:aws:sns:us-east-1:123456789012:topic")
    assert malformed.status_code == 400 and "arn" in malformed.json()["errors"][0]["message"]
    api = grantless_api(sandbox)
    assert len(api.get("/notifications/v1/destinations").json()["payload"]) == 1

    destination_id = created.json()["payload"]["destinationId"]
    assert api.delete(f"/notifications/v1/destinations/{destination_id}").status_code == 200
    assert api.delete(f"/notifications/v1/destinations/{destination_id}").status_code == 404


def test_a_subscription_needs_a_known_destination_and_is_one_per_notification_type(sandbox):
    assert subscribe(sandbox, "no-such-destination").status_code == 400
    api = seller_api(sandbox)
    missing = api.get("/notifications/v1/subscriptions/ORDER_CHANGE")
    assert missing.status_code == 404 and error_code(missing) == "NotFound"

    destination_id = create_destination(sandbox, sandbox.queue_arn).json()["payload"]["destinationId"]
    subscription = subscribe(sandbox, destination_id).json()["payload"]
    assert subscription["destinationId"] == destination_id and subscription["payloadVersion"] == "1.0"
    assert api.get("/notifications/v1/subscriptions/ORDER_CHANGE").json()["payload"] == subscription
    other = create_destination(sandbox, OTHER_QUEUE).json()["payload"]["destinationId"]
    conflict = subscribe(sandbox, other)
    assert conflict.status_code == 409 and error_code(conflict) == "Conflict"
    unsupported = api.post("/notifications/v1/subscriptions/NO_SUCH_TYPE", json={"payloadVersion": "1.0"})
    assert unsupported.status_code == 400

    by_id = "/notifications/v1/subscriptions/ORDER_CHANGE/"
    assert grantless_api(sandbox).delete(by_id + str(uuid.uuid4())).status_code == 404
    assert grantless_api(sandbox).delete(by_id + subscription["subscriptionId"]).status_code == 200
    assert api.get("/notifications/v1/subscriptions/ORDER_CHANGE").status_code == 404


def test_add_permission_writes_the_queue_policy_that_get_queue_attributes_reads(sandbox):
    fresh = sqs(sandbox, "GetQueueAttributes", AttributeNames=["QueueArn", "Policy"])
    assert fresh.status_code == 200 and fresh.json()["Attributes"] == {"QueueArn": sandbox.queue_arn}

    assert let_amazon_send(sandbox).status_code == 200
    policy = json.loads(sqs(sandbox, "GetQueueAttributes", AttributeNames=["All"]).json()["Attributes"]["Policy"])
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"AWS": [f"arn:aws:iam::{SP_API_ACCOUNT}:root"]}
    assert statement["Action"] == ["SQS:SendMessage"] and statement["Resource"] == sandbox.queue_arn

    duplicate = let_amazon_send(sandbox)
    assert duplicate.status_code == 400 and duplicate.json()["__type"] == "com.amazonaws.sqs#InvalidParameterValue"
    assert "Already exists" in duplicate.json()["message"]
    missing = sqs(sandbox, "AddPermission", Label="other", AWSAccountIds=[SP_API_ACCOUNT])
    assert missing.status_code == 400 and missing.json()["__type"] == "com.amazonaws.sqs#MissingParameter"


def test_an_action_the_aws_key_is_not_allowed_is_denied(sandbox):
    sandbox.aws_key_actions -= {"AddPermission", "DeleteMessage"}

    denied = let_amazon_send(sandbox)
    assert denied.status_code == 403
    assert denied.json()["__type"] == "com.amazon.coral.service#AccessDeniedException"
    assert f"sqs:AddPermission on resource: {sandbox.queue_arn}" in denied.json()["message"]
    # A batch delete is authorized as sqs:DeleteMessage.
    assert sqs(sandbox, "DeleteMessageBatch", Entries=[]).status_code == 403
    assert sqs(sandbox, "ReceiveMessage", MaxNumberOfMessages=1).status_code == 200


def test_order_changes_reach_the_queue_only_once_subscribed_and_amazon_may_send(sandbox):
    sandbox.create_order([("AB-01", 1)])  # not subscribed: nothing, and nothing is owed
    destination_id = create_destination(sandbox, sandbox.queue_arn).json()["payload"]["destinationId"]
    subscribe(sandbox, destination_id)
    sandbox.create_order([("AB-01", 1)])  # subscribed, but the queue does not let Amazon send
    assert sqs(sandbox, "ReceiveMessage", MaxNumberOfMessages=10).json() == {}
    assert sandbox.undelivered_notifications == 1

    let_amazon_send(sandbox)
    order_id = sandbox.create_order([("AB-01", 2)])
    (message,) = sqs(sandbox, "ReceiveMessage", MaxNumberOfMessages=10).json()["Messages"]
    assert json.loads(message["Body"])["Payload"]["OrderChangeNotification"]["AmazonOrderId"] == order_id
    assert sandbox.undelivered_notifications == 1


def test_a_subscription_to_another_queue_delivers_nothing_here(sandbox):
    subscribe(sandbox, create_destination(sandbox, OTHER_QUEUE).json()["payload"]["destinationId"])
    let_amazon_send(sandbox)
    sandbox.create_order([("AB-01", 1)])

    assert sqs(sandbox, "ReceiveMessage", MaxNumberOfMessages=10).json() == {}
    assert sandbox.undelivered_notifications == 1
