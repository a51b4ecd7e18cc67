"""The partners REST API: `supplier` (partner API keys) and `staff` (our staff, manage_partners)."""
