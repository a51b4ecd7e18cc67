"""Partner pages and endpoints (one module per screen or endpoint)."""
