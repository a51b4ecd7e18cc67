"""Staff pages of the planning app: forecasts (/planning/) and proposals (/planning/proposals/)."""
