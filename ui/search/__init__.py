"""Global search: one box in the header finds orders, pickups, returns, parcels and SKUs."""
