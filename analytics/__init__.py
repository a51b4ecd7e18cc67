"""Fulfillment KPIs: daily facts refreshed incrementally and the dashboard that reads them."""
