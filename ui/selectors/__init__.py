"""Reads of the cross-app pages."""
