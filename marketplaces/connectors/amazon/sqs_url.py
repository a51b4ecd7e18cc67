"""What an SQS queue URL says: the endpoint to call, the region to sign for, and the queue's ARN.

AWS still answers queue URLs of several shapes, and a merchant pastes whichever the console or
an old script gave them:

- `https://sqs.us-west-2.amazonaws.com/123456789012/orders` (current);
- `https://us-west-2.queue.amazonaws.com/123456789012/orders` (legacy, per region);
- `https://queue.amazonaws.com/123456789012/orders` (legacy, us-east-1);
- `https://sqs.cn-north-1.amazonaws.com.cn/...` (China: partition `aws-cn`);
- `https://sqs-fips.us-gov-west-1.amazonaws.com/...` (GovCloud: partition `aws-us-gov`);
- VPC endpoint hosts (`vpce-....sqs.eu-west-1.vpce.amazonaws.com`), which name the region too.

The region matters twice: Signature Version 4 is scoped to it (a call signed for us-east-1 to a
us-west-2 queue is refused), and with the partition it makes the ARN that Amazon's
Notifications API is given as the destination. A host that names no region (the legacy
`queue.amazonaws.com`, the in-product sandbox) is us-east-1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

#: A region label in a host name: us-east-1, eu-central-2, cn-north-1, us-gov-west-1, us-isob-east-1...
REGION_LABEL = re.compile(r"^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+$")
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class SqsQueue:
    endpoint: str  # the URL the SQS JSON protocol is posted to: the queue URL without /<account>/<name>
    region: str
    account: str
    name: str

    @property
    def partition(self) -> str:
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    @property
    def arn(self) -> str:
        return f"arn:{self.partition}:sqs:{self.region}:{self.account}:{self.name}"


def sqs_queue(url: str) -> SqsQueue:
    """The endpoint, region, account and name of the queue at `url` (any of the shapes above).

    ValueError, with what to enter, when the URL does not end in an account id and a queue name.
    """
    parts = urlsplit(url.strip())
    # The path ends /<account>/<name>; whatever comes before (the sandbox's route) is the endpoint's.
    segments = parts.path.rstrip("/").split("/")
    if len(segments) < 3 or not re.fullmatch(r"\d{12}", segments[-2]) or not segments[-1]:
        raise ValueError(
            "Enter the queue URL as the SQS console shows it, ending in /<12-digit account>/<queue name>, "
            "e.g. https://sqs.us-east-1.amazonaws.com/123456789012/order-notices."
        )
    prefix, account, name = "/".join(segments[:-2]), segments[-2], segments[-1]
    host = (parts.hostname or "").lower()
    region = next((label for label in host.split(".") if REGION_LABEL.match(label)), DEFAULT_REGION)
    return SqsQueue(
        endpoint=f"{parts.scheme}://{parts.netloc}{prefix}/",
        region=region,
        account=account,
        name=name,
    )
