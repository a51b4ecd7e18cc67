"""Route orders: build the engine's inputs from the database, plan, reserve the plan.

`order_route` (and `order_route_new` for an order created in the caller's transaction) are
the entry points, in `reserve`; the engine's inputs are read in `candidates`; the cost model
and routing rules are read (and cached) by `fulfillment.selectors.cost_model`, the consolidation
options (lanes, hubs) by `linehaul`; a consolidated plan is reserved by `consolidated`. Import them
from here.
"""

from fulfillment.selectors.cost_model import (
    COST_MODEL_TTL_SECONDS,
    cost_model_forget,
    cost_model_load,
    routing_rules_for,
)
from fulfillment.services.routing.linehaul import consolidation_options
from fulfillment.services.routing.reserve import MAX_ATTEMPTS, RoutingOutcome, order_route, order_route_new

__all__ = [
    "COST_MODEL_TTL_SECONDS",
    "MAX_ATTEMPTS",
    "RoutingOutcome",
    "consolidation_options",
    "cost_model_forget",
    "cost_model_load",
    "order_route",
    "order_route_new",
    "routing_rules_for",
]

# The consolidation lifecycle (legs arriving or failing at the node) routes orders again, so it
# imports this package; it is imported once `order_route` is bound, so that its signal receivers
# are connected in every process that can route (web, worker, beat).
from fulfillment.services import consolidation as _consolidation  # noqa: F401
