"""Users and roles in the back office: invitations, roles, location grants, two-factor sign-in."""
