"""Writes of the planning app; import the services from their modules."""
