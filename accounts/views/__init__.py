"""Pages of the accounts app: the users pages, a person's own security page, and sign-in."""
