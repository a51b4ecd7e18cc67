"""The /orders/ section: order pages of fulfillment (list, form, import, detail and actions) and
the exceptions queue, which also shows channel orders held by the marketplace sync engine."""

from django.urls import path

from fulfillment.views import orders as views
from fulfillment.views.orders import edits
from ui.views import exceptions
from ui.views.exception_actions import exception_action

app_name = "orders"

urlpatterns = [
    path("", views.index, name="index"),
    path("bulk/", views.bulk_action, name="bulk"),
    path("new/", views.order_create, name="create"),
    path("new/line/", views.order_line_row, name="line_row"),
    path("import/", views.order_import_view, name="import"),
    path("exceptions/", exceptions, name="exceptions"),
    path("exceptions/<slug:action>/<int:pk>/", exception_action, name="exception_action"),
    path("<int:pk>/", views.order_detail_view, name="detail"),
    path("<int:pk>/shipments/<int:shipment_pk>/reject/", views.shipment_reject_view, name="shipment_reject"),
    path("mentions/", edits.mentions_view, name="mentions"),
    path("<int:pk>/ship-to/", edits.order_ship_to_view, name="ship_to"),
    path("<int:pk>/lines/", edits.order_lines_view, name="lines"),
    path("<int:pk>/cancel-part/", edits.order_cancel_part_view, name="cancel_part"),
    path("<int:pk>/locations/", edits.order_locations_view, name="locations"),
    path("<int:pk>/comments/", edits.order_comment_view, name="comment"),
    path("<int:pk>/tags/", edits.order_tags_view, name="tags"),
    path("<int:pk>/<slug:action>/", views.order_action, name="action"),
]
