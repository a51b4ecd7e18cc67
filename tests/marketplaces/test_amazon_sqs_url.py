"""A queue URL of any shape AWS answers is called at its endpoint, signed for its region, and
given to Amazon's Notifications API as the right ARN."""

from __future__ import annotations

import httpx
import pytest

from core.errors import ValidationFailed
from marketplaces.connectors.amazon import AmazonConnector
from marketplaces.connectors.amazon.sqs_url import sqs_queue
from marketplaces.models import ChannelSync
from marketplaces.services.setup import channel_connection_update

SHAPES = [
    (
        "https://sqs.us-west-2.amazonaws.com/123456789012/orders",
        "https://sqs.us-west-2.amazonaws.com/",
        "arn:aws:sqs:us-west-2:123456789012:orders",
    ),
    (
        "https://us-west-2.queue.amazonaws.com/123456789012/orders",
        "https://us-west-2.queue.amazonaws.com/",
        "arn:aws:sqs:us-west-2:123456789012:orders",
    ),
    (
        "https://queue.amazonaws.com/123456789012/orders",
        "https://queue.amazonaws.com/",
        "arn:aws:sqs:us-east-1:123456789012:orders",
    ),
    (
        "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/orders",
        "https://sqs.cn-north-1.amazonaws.com.cn/",
        "arn:aws-cn:sqs:cn-north-1:123456789012:orders",
    ),
    (
        "https://sqs-fips.us-gov-west-1.amazonaws.com/123456789012/orders",
        "https://sqs-fips.us-gov-west-1.amazonaws.com/",
        "arn:aws-us-gov:sqs:us-gov-west-1:123456789012:orders",
    ),
    (
        "https://vpce-0a1b2c3d-4e5f.sqs.eu-west-1.vpce.amazonaws.com/123456789012/orders.fifo/",
        "https://vpce-0a1b2c3d-4e5f.sqs.eu-west-1.vpce.amazonaws.com/",
        "arn:aws:sqs:eu-west-1:123456789012:orders.fifo",
    ),
    (
        " http://127.0.0.1:8000/channels/sandbox/amazon/123456789012/orders ",
        "http://127.0.0.1:8000/channels/sandbox/amazon/",
        "arn:aws:sqs:us-east-1:123456789012:orders",
    ),
]


@pytest.mark.parametrize(("url", "endpoint", "arn"), SHAPES)
def test_every_shape_of_queue_url_gives_its_endpoint_and_arn(url: str, endpoint: str, arn: str) -> None:
    queue = sqs_queue(url)
    assert (queue.endpoint, queue.arn) == (endpoint, arn)


@pytest.mark.parametrize(("url", "endpoint", "arn"), SHAPES[:4])
def test_the_queue_is_called_at_its_endpoint_signed_for_its_region(url: str, endpoint: str, arn: str) -> None:
    seen: list[httpx.Request] = []

    def sqs(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"Messages": []})

    credentials = {"sqs_queue_url": url, "aws_access_key_id": "AKIAEXAMPLE", "aws_secret_access_key": "secret"}
    connector = AmazonConnector(
        base_url="https://sellingpartnerapi-na.amazon.com",
        credentials=credentials,
        bucket_key="sqs-url-test",
        transport=httpx.MockTransport(sqs),
    )
    with connector:
        assert connector.receive_notices(10) == []
        assert connector.queue_arn_from_url() == arn
    (request,) = seen
    region = arn.split(":")[3]
    assert str(request.url) == endpoint
    assert f"/{region}/sqs/aws4_request" in request.headers["Authorization"]


@pytest.mark.parametrize(
    "url",
    [
        "https://sqs.us-east-1.amazonaws.com",
        "https://sqs.us-east-1.amazonaws.com/order-notices",
        "https://sqs.us-east-1.amazonaws.com/12345/order-notices",
        "https://sqs.us-east-1.amazonaws.com/123456789012/",
    ],
)
def test_a_queue_url_without_its_account_and_name_says_what_to_enter(url: str) -> None:
    with pytest.raises(ValueError, match="ending in /<12-digit account>/<queue name>"):
        sqs_queue(url)


def test_saving_such_a_url_is_refused_on_its_field_and_keeps_the_stored_connection(make_channel, skus) -> None:
    amazon, _sandbox = make_channel("amazon", skus=skus[:1])
    stored = ChannelSync.objects.get(channel=amazon).credentials_encrypted
    keys = {"aws_access_key_id": "AKIAEXAMPLE", "aws_secret_access_key": "secret"}

    with pytest.raises(ValidationFailed, match="12-digit account") as refused:
        channel_connection_update(
            channel=amazon,
            base_url=amazon.sync.base_url,
            credentials={"sqs_queue_url": "https://sqs.us-east-1.amazonaws.com/order-notices", **keys},
        )

    assert refused.value.field == "sqs_queue_url"
    assert ChannelSync.objects.get(channel=amazon).credentials_encrypted == stored
