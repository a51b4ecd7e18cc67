"""What every big list shares: sortable columns, saved views, visible columns and the CSV export.

The lists themselves stay in their apps (orders and the work queue in fulfillment, returns in
returns); they read `?sort=` with `core.sorting` and draw their headers and toolbar with the
`lists` template library (`ui.lists.templatetags`). This package holds the parts that need the
top layer: the saved views (a `ui` model) and the export, which rebuilds a list's rows with its
app's own form and selectors (`ui.lists.specs`).
"""
