"""The analytics app's configuration."""

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Fulfillment KPIs: daily facts refreshed incrementally and the dashboard that reads them."""

    name = "analytics"
    verbose_name = "Analytics"
