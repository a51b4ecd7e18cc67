"""Writes of the marketplace sync engine: setup, stock sync, order ingestion, confirmations, the sync log."""
