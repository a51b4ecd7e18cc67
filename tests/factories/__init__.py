"""factory-boy factories for the product's models."""

from tests.factories.inventory import (
    LocationFactory,
    SKUFactory,
    StockLevelFactory,
    UserFactory,
    stocked,
    user_with_role,
)

__all__ = ["LocationFactory", "SKUFactory", "StockLevelFactory", "UserFactory", "stocked", "user_with_role"]
