"""The planning app's configuration."""

from django.apps import AppConfig


class PlanningConfig(AppConfig):
    """Demand forecasts, replenishment and rebalancing proposals, and the shadow prices that let routing look ahead."""

    name = "planning"
    verbose_name = "Planning"
