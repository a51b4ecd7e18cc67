"""Inventory staff pages: grid, SKUs, stock actions, locations, transfers, CSV import and export."""

from django.urls import path

from inventory import views
from inventory.views import counts as count_views
from inventory.views import transfers as transfer_views

app_name = "inventory"

# SKU codes may contain "/", so they use the path converter; the longer patterns come first.
# Create pages live outside the `skus/` and `locations/` prefixes, so a SKU or location coded "new"
# (or anything else) still reaches its own page.
_STOCK = "inventory/skus/<path:code>/locations/<slug:location_code>"

urlpatterns = [
    path("inventory/", views.grid, name="grid"),
    path("inventory/export.csv", views.export_csv, name="export"),
    path("inventory/import/", views.import_stock, name="import"),
    path("inventory/add-sku/", views.sku_create_view, name="sku_create"),
    path("inventory/sku-picker/", views.sku_picker, name="sku_picker"),
    path(f"{_STOCK}/receive/", views.stock_action, {"action": "receive"}, name="stock_receive"),
    path(f"{_STOCK}/adjust/", views.stock_action, {"action": "adjust"}, name="stock_adjust"),
    path(f"{_STOCK}/count/", views.stock_action, {"action": "count"}, name="stock_count"),
    path(f"{_STOCK}/safety-stock/", views.stock_action, {"action": "safety"}, name="stock_safety"),
    path("inventory/skus/<path:code>/edit/", views.sku_edit, name="sku_edit"),
    path("inventory/skus/<path:code>/", views.sku_detail, name="sku_detail"),
    path("locations/", views.location_list_view, name="location_list"),
    path("add-location/", views.location_create_view, name="location_create"),
    path("locations/<slug:code>/", views.location_detail, name="location_detail"),
    path("locations/<slug:code>/edit/", views.location_edit, name="location_edit"),
    path("locations/<slug:code>/bins/<path:sku_code>/", views.bin_set_view, name="bin_set"),
    path("transfers/", views.transfer_list_view, name="transfer_list"),
    path("transfers/new/", views.transfer_create_view, name="transfer_create"),
    path("transfers/new/line/", views.transfer_line_row, name="transfer_line_row"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/ship/", views.transfer_action, {"action": "ship"}, name="transfer_ship"),
    path("transfers/<int:pk>/receive/", views.transfer_action, {"action": "receive"}, name="transfer_receive"),
    path("transfers/<int:pk>/cancel/", views.transfer_action, {"action": "cancel"}, name="transfer_cancel"),
    path("transfers/<int:pk>/receipt/", transfer_views.transfer_receipt, name="transfer_receipt"),
    path("counts/", count_views.count_session_list_view, name="count_list"),
    path("counts/new/", count_views.count_session_create_view, name="count_create"),
    path("counts/<int:pk>/", count_views.count_session_detail, name="count_detail"),
    path("counts/<int:pk>/lines/<int:line_pk>/", count_views.count_line_save, name="count_line_save"),
    path("counts/<int:pk>/lines/<int:line_pk>/recount/", count_views.count_line_recount_view, name="count_recount"),
    path("counts/<int:pk>/submit/", count_views.count_session_action, {"action": "submit"}, name="count_submit"),
    path("counts/<int:pk>/cancel/", count_views.count_session_action, {"action": "cancel"}, name="count_cancel"),
    path("counts/<int:pk>/decide/", count_views.count_session_decide, name="count_decide"),
]
