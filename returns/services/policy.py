"""Return policies: which one applies to a channel, the default one, and editing them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from channels.models import Channel
from core.errors import NotFound, ValidationFailed
from inventory.models import SKU
from returns.models import OutOfWindow, ReturnPolicy, ReturnReason

#: The reasons every new policy starts with: (code, label, customer pays shipping, fee, approval).
DEFAULT_REASONS: tuple[tuple[str, str, bool, bool, bool], ...] = (
    ("doesnt_fit", "Doesn't fit", False, False, False),
    ("changed_mind", "Changed my mind", True, True, False),
    ("defective", "Arrived faulty or broken", False, False, False),
    ("wrong_item", "Wrong item sent", False, False, False),
    ("not_as_described", "Not as described", False, False, False),
    ("other", "Something else (we will review it)", False, False, True),
)


def _reasons_create(policy: ReturnPolicy) -> None:
    ReturnReason.objects.bulk_create(
        [
            ReturnReason(
                policy=policy,
                code=code,
                label=label,
                customer_pays_shipping=pays,
                restocking_fee=fee,
                needs_approval=approval,
                position=index,
            )
            for index, (code, label, pays, fee, approval) in enumerate(DEFAULT_REASONS)
        ],
        ignore_conflicts=True,
    )


def return_policy_default_ensure() -> ReturnPolicy:
    """The merchant's default policy (every channel without its own), created with its reasons if missing.

    30 days from delivery, late requests held for approval for 14 more days, a 15% restocking
    fee on change-of-mind returns, exchanges ship when the return is received.
    """
    policy = ReturnPolicy.objects.filter(channel__isnull=True).order_by("pk").first()
    if policy is not None:
        return policy
    try:
        with transaction.atomic():
            policy = ReturnPolicy.objects.create(
                channel=None,
                window_days=30,
                late_action=OutOfWindow.HOLD,
                grace_days=14,
                restocking_fee_percent=Decimal("15.00"),
            )
            _reasons_create(policy)
    except IntegrityError:
        # Another request created it at the same moment (the unique constraint allows one default).
        return ReturnPolicy.objects.get(channel__isnull=True)
    return policy


def return_policy_for(channel: Channel) -> ReturnPolicy:
    """The channel's own policy, or the default one."""
    return ReturnPolicy.objects.filter(channel=channel).first() or return_policy_default_ensure()


@dataclass(frozen=True)
class PolicyInput:
    window_days: int
    late_action: str
    grace_days: int
    restocking_fee_percent: Decimal
    fee_on_opened: bool
    refund_tax: bool
    instant_exchange_min_orders: int | None
    non_returnable_skus: tuple[str, ...] = ()
    return_label_fee: Decimal | None = None


def return_policy_set(*, channel: Channel | None, data: PolicyInput) -> ReturnPolicy:
    """Create or update a channel's policy (or the default one); a new policy starts with the default reasons.

    Refuses (400, naming the field) a window over 10 years, a fee outside 0-100%, an unknown
    late action or an unknown SKU code.
    """
    if not 0 <= data.window_days <= 3650:
        raise ValidationFailed("The window is between 0 and 3650 days.", field="window_days")
    if not 0 <= data.grace_days <= 365:
        raise ValidationFailed("Grace days are between 0 and 365.", field="grace_days")
    if data.late_action not in OutOfWindow.values:
        raise ValidationFailed("After the window, refuse or hold.", field="late_action")
    if not Decimal(0) <= data.restocking_fee_percent <= Decimal(100):
        raise ValidationFailed("The restocking fee is a percentage from 0 to 100.", field="restocking_fee_percent")
    if data.return_label_fee is not None and data.return_label_fee < 0:
        raise ValidationFailed(
            "The return label fee is 0 or more (empty: the label's price).", field="return_label_fee"
        )
    codes = sorted({code.strip() for code in data.non_returnable_skus if code.strip()})
    skus = list(SKU.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {sku.code for sku in skus})
    if unknown:
        raise NotFound(f"Unknown SKU: {', '.join(unknown)}.", field="non_returnable_skus")
    with transaction.atomic():
        if channel is None:
            policy = return_policy_default_ensure()
        else:
            policy, created = ReturnPolicy.objects.get_or_create(channel=channel)
            if created:
                _reasons_create(policy)
        policy.window_days = data.window_days
        policy.late_action = data.late_action
        policy.grace_days = data.grace_days
        policy.restocking_fee_percent = data.restocking_fee_percent
        policy.fee_on_opened = data.fee_on_opened
        policy.refund_tax = data.refund_tax
        policy.instant_exchange_min_orders = data.instant_exchange_min_orders
        policy.return_label_fee = data.return_label_fee
        policy.save()
        policy.non_returnable_skus.set(skus)
    return policy


@dataclass(frozen=True)
class ReasonInput:
    code: str
    label: str
    customer_pays_shipping: bool = False
    restocking_fee: bool = False
    needs_approval: bool = False
    is_active: bool = True


def return_reason_set(*, policy: ReturnPolicy, data: ReasonInput) -> ReturnReason:
    """Add a reason to a policy, or change the one with that code (reasons are never deleted: switch them off)."""
    code = data.code.strip().lower()
    if not code or not code.replace("_", "").replace("-", "").isalnum() or len(code) > 32:
        raise ValidationFailed("A reason code is up to 32 letters, digits, - or _.", field="code")
    label = data.label.strip()
    if not label:
        raise ValidationFailed("Give the reason's wording, as the customer sees it.", field="label")
    with transaction.atomic():
        reason, _ = ReturnReason.objects.update_or_create(
            policy=policy,
            code=code,
            defaults={
                "label": label[:80],
                "customer_pays_shipping": data.customer_pays_shipping,
                "restocking_fee": data.restocking_fee,
                "needs_approval": data.needs_approval,
                "is_active": data.is_active,
            },
        )
    return reason
