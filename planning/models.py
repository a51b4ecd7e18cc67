"""Models of the planning app: demand forecasts and the runs that compute them.

A `DemandForecast` is the latest forecast of one daily series: a SKU's units shipped from one
location (`scope=location`), or a SKU's units ordered to one ship-to region (`scope=region`,
regions from `planning.regions`). A recompute replaces the rows of the series it covers, so
readers (`planning.selectors`) always see one forecast per series. `ForecastRun` records each
recompute (nightly or from the page) with its progress, so the page can show it live.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class ForecastScope(models.TextChoices):
    LOCATION = "location", "SKU x location (shipped from)"
    REGION = "region", "SKU x ship-to region"


class ForecastRunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ForecastRun(models.Model):
    """One recompute of every forecast: who asked, how far it got, how long it took."""

    status = models.CharField(
        max_length=16, choices=ForecastRunStatus.choices, default=ForecastRunStatus.QUEUED, db_index=True
    )
    trigger = models.CharField(max_length=16, default="nightly", help_text="nightly or manual.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    as_of = models.DateField(null=True, blank=True, help_text="Last day of history used.")
    horizon_days = models.PositiveSmallIntegerField(default=28)
    series_total = models.PositiveIntegerField(default=0)
    series_done = models.PositiveIntegerField(default=0)
    fallback_series = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        permissions = [("run_forecasts", "Can recompute demand forecasts")]

    def __str__(self) -> str:
        return f"forecast run {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        """How far the run is, 0-100, for the progress bar."""
        if self.status == ForecastRunStatus.DONE:
            return 100
        if not self.series_total:
            return 0
        return min(100, int(100 * self.series_done / self.series_total))

    @property
    def is_active(self) -> bool:
        return self.status in (ForecastRunStatus.QUEUED, ForecastRunStatus.RUNNING)


class DemandForecast(models.Model):
    """The latest daily demand forecast of one series, with its prediction interval and model.

    `points` holds one `[mean, lower, upper]` triple per day after `as_of` (units per day;
    the interval is `interval_level` percent). `daily_mean` is the mean of the horizon, kept as a
    column so lists sort and selectors read it without decoding JSON. `error_sd` is the standard
    deviation of one day's forecast error measured in the backtest (safety stock grows with it).
    """

    scope = models.CharField(max_length=16, choices=ForecastScope.choices, db_index=True)
    sku = models.ForeignKey("inventory.SKU", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    region = models.CharField(max_length=16, blank=True, help_text="Ship-to region code (planning.regions).")
    run = models.ForeignKey(ForecastRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="forecasts")
    as_of = models.DateField(help_text="Last day of history used; day 1 of the forecast is the day after.")
    horizon_days = models.PositiveSmallIntegerField()
    model_name = models.CharField(max_length=32, help_text="The model the backtest chose, or the fallback.")
    is_fallback = models.BooleanField(default=False)
    note = models.CharField(max_length=255, blank=True, help_text="Why this model, or why a fallback.")
    daily_mean = models.FloatField()
    error_sd = models.FloatField(default=0.0)
    interval_level = models.PositiveSmallIntegerField(default=80)
    points = models.JSONField(default=list)
    history_days = models.PositiveIntegerField(default=0)
    censored_days = models.PositiveIntegerField(default=0)
    history_units = models.PositiveIntegerField(default=0)
    backtest_mae = models.FloatField(null=True, blank=True)
    recent = models.JSONField(
        default=list, blank=True, help_text="The last weeks of history as [units, censored] per day, for the chart."
    )
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku_id", "scope", "location_id", "region"]
        constraints = [
            models.UniqueConstraint(
                fields=["sku", "location"],
                condition=Q(scope="location"),
                name="demandforecast_unique_sku_location",
            ),
            models.UniqueConstraint(
                fields=["sku", "region"],
                condition=Q(scope="region"),
                name="demandforecast_unique_sku_region",
            ),
            models.CheckConstraint(
                condition=(Q(scope="location", location__isnull=False) | Q(scope="region", location__isnull=True)),
                name="demandforecast_scope_matches_key",
            ),
            models.CheckConstraint(condition=Q(daily_mean__gte=0), name="demandforecast_mean_not_negative"),
        ]
        indexes = [models.Index(fields=["scope", "sku"], name="demandforecast_scope_sku")]

    def __str__(self) -> str:
        where = f"@{self.location_id}" if self.scope == ForecastScope.LOCATION else f"->{self.region}"
        return f"{self.sku_id}{where}: {self.daily_mean:.2f}/day ({self.model_name})"

    def mean_over(self, days: int) -> float:
        """Expected units per day over the first `days` days (the stored mean beyond the stored points)."""
        if days <= 0 or not self.points:
            return self.daily_mean
        head = [float(point[0]) for point in self.points[:days]]
        return sum(head) / len(head)


class StockingClass(models.TextChoices):
    """The classes of location that hold our own stock (dropship suppliers hold theirs)."""

    WAREHOUSE = "warehouse", "Warehouse"
    THIRD_PARTY = "3pl", "3PL warehouse"
    STORE = "store", "Store"


class StockingPolicy(models.Model):
    """How one class of location is replenished: the service level and how often orders are reviewed.

    A class without a row uses `planning.services.policies.DEFAULT_POLICIES`.
    """

    location_class = models.CharField(max_length=32, choices=StockingClass.choices, unique=True)
    service_level = models.FloatField(
        validators=[MinValueValidator(0.5), MaxValueValidator(0.999)],
        help_text="Probability of not running out before a replenishment arrives, e.g. 0.95.",
    )
    review_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="Days between two orders for the same SKU and location (1 = daily, 7 = weekly).",
    )

    class Meta:
        ordering = ["location_class"]
        verbose_name_plural = "stocking policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(service_level__gte=0.5, service_level__lte=0.999), name="stockingpolicy_service_level_range"
            ),
            models.CheckConstraint(condition=Q(review_days__gte=1), name="stockingpolicy_review_days_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.get_location_class_display()}: {self.service_level:.1%}, every {self.review_days} day(s)"


class SupplierLeadTime(models.Model):
    """The days a supplier takes from our stock purchase order to the units arriving at our location.

    A supplier without one is assumed to take its hours to ship plus a few days on the road
    (`planning.services.policies.supplier_lead_days`).
    """

    partner = models.OneToOneField("partners.Partner", on_delete=models.CASCADE, related_name="+")
    days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="Days from sending a stock purchase order to its units on our shelf.",
    )

    class Meta:
        ordering = ["partner__name"]
        constraints = [models.CheckConstraint(condition=Q(days__gte=1), name="supplierleadtime_days_gte_1")]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.days} day(s)"


class ProposalKind(models.TextChoices):
    TRANSFER = "transfer", "Move between locations"
    PURCHASE = "purchase", "Order from a supplier"


class ProposalStatus(models.TextChoices):
    OPEN = "open", "Open"
    APPLIED = "applied", "Applied"
    STALE = "stale", "Stale: stock changed"


class ReplenishmentProposal(models.Model):
    """One proposed move of stock: a transfer between our locations or a purchase from a supplier.

    Carries the numbers that justify it (forecast, lead time, service level, the policy's reorder
    point and order-up-to level, the stock position, and for a transfer what it saves against
    what it costs) and `stock_snapshot`, the stock levels it was computed on: applying it when
    they have changed since is refused (the proposal turns stale and asks for a recompute).
    """

    kind = models.CharField(max_length=16, choices=ProposalKind.choices, db_index=True)
    status = models.CharField(max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.OPEN, db_index=True)
    sku = models.ForeignKey("inventory.SKU", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("inventory.Location", on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.CASCADE, related_name="+", help_text="Transfers."
    )
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Purchases."
    )
    suggested_quantity = models.PositiveIntegerField()
    quantity = models.PositiveIntegerField()
    daily_mean = models.FloatField()
    error_sd = models.FloatField(default=0.0)
    lead_time_days = models.FloatField()
    review_days = models.FloatField(default=7, help_text="Days one order covers beyond the reorder point.")
    service_level = models.FloatField()
    safety_stock = models.PositiveIntegerField(default=0)
    reorder_point = models.PositiveIntegerField(default=0)
    order_up_to = models.PositiveIntegerField(default=0)
    position = models.IntegerField(
        help_text="Inventory position when computed: on hand - reserved + on order + in transit - backorders."
    )
    position_terms = models.JSONField(
        default=dict, blank=True, help_text="The terms of the position: on_hand, reserved, on_order, in_transit, ..."
    )
    source_position = models.IntegerField(null=True, blank=True)
    source_order_up_to = models.PositiveIntegerField(null=True, blank=True)
    value = models.JSONField(default=dict, blank=True, help_text="Transfers: savings, avoided lost sales, cost, net.")
    explanation = models.TextField()
    stock_snapshot = models.JSONField(
        default=dict, help_text='"location:sku" -> [on hand, reserved, in transit, on order].'
    )
    transfer = models.ForeignKey(
        "inventory.Transfer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["kind", "location__code", "sku__code", "id"]
        permissions = [("manage_proposals", "Can compute and approve replenishment and rebalancing proposals")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="purchase") | Q(source__isnull=False), name="proposal_transfer_has_source"
            ),
            models.CheckConstraint(condition=~Q(source=models.F("location")), name="proposal_source_not_location"),
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.get_kind_display()} {self.quantity} x {self.sku_id} -> {self.location_id}"

    @property
    def number(self) -> str:
        return f"RP-{self.pk:05d}" if self.pk else "RP-new"
