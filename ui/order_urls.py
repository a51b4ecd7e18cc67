"""The /orders/ section: order pages of fulfillment (list, form, import, detail and actions) and
the exceptions queue, which also shows channel orders held by the marketplace sync engine."""

from django.urls import path

from fulfillment.views import orders as views
from ui.views import exceptions

app_name = "orders"

urlpatterns = [
    path("", views.index, name="index"),
    path("bulk/", views.bulk_action, name="bulk"),
    path("new/", views.order_create, name="create"),
    path("new/line/", views.order_line_row, name="line_row"),
    path("import/", views.order_import_view, name="import"),
    path("exceptions/", exceptions, name="exceptions"),
    path("<int:pk>/", views.order_detail_view, name="detail"),
    path("<int:pk>/shipments/<int:shipment_pk>/reject/", views.shipment_reject_view, name="shipment_reject"),
    path("<int:pk>/<slug:action>/", views.order_action, name="action"),
]
