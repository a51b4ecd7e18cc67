"""Demand forecasts, replenishment and rebalancing proposals, and the shadow prices that let routing look ahead."""
