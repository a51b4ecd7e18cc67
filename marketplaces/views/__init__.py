"""Channel pages (the /channels/ section): the list with health, add/edit, API keys, sync detail,
connection, stock policy, listings, re-sync, held orders."""
