"""REST API of fulfillment: orders (intake, read, cancel) and pickup options."""
