"""The planning app's configuration."""

from django.apps import AppConfig


class PlanningConfig(AppConfig):
    """Demand forecasts, replenishment and rebalancing proposals, and the shadow prices that let routing look ahead."""

    name = "planning"
    verbose_name = "Planning"

    def ready(self) -> None:
        from planning import tasks_lookahead  # noqa: F401 (registers the shadow price task and its receipt receiver)
