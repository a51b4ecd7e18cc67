"""Return policies as staff edit them: the default and every channel, with their reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.http import Http404

from channels.models import Channel
from returns.models import ReturnPolicy, ReturnReason
from returns.services.policy import return_policy_default_ensure


@dataclass(frozen=True)
class PolicyRow:
    """A channel (None: the default) and the policy that applies to it (its own, else the default)."""

    key: str
    name: str
    policy: Any
    own: bool


def policy_rows() -> list[PolicyRow]:
    """The default policy and every channel with the policy that applies to it (three queries)."""

    default = return_policy_default_ensure()
    own = {
        p.channel_id: p
        for p in ReturnPolicy.objects.filter(channel__isnull=False).annotate(reason_count=Count("reasons"))
    }
    rows = [PolicyRow(key="default", name="Default (every channel without its own)", policy=default, own=True)]
    for channel in Channel.objects.order_by("code").only("code", "name"):
        policy = own.get(channel.pk)
        rows.append(PolicyRow(key=channel.code, name=channel.name, policy=policy or default, own=policy is not None))
    return rows


def policy_for_key(key: str) -> tuple[Any, Any]:
    """(channel or None, its own policy or None) for a policy page key: "default" or a channel code; 404 otherwise."""

    if key == "default":
        return None, return_policy_default_ensure()
    channel = Channel.objects.filter(code=key).first()
    if channel is None:
        raise Http404("No such channel.")
    return channel, ReturnPolicy.objects.filter(channel=channel).prefetch_related("non_returnable_skus").first()


def policy_reasons_all(policy: Any) -> list[ReturnReason]:
    """Every reason of a policy, offered or not, in the order customers see them."""
    return list(policy.reasons.order_by("position", "code")) if policy is not None else []
