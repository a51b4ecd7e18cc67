from django.urls import path

from fulfillment import views
from fulfillment.views.carrier_webhooks import carrier_webhook
from fulfillment.views.consolidation import consolidation
from fulfillment.views.drift import rate_drift
from fulfillment.views.orders.address import order_address_accept_view
from fulfillment.views.work_bulk import work_accept_bulk

app_name = "fulfillment"

urlpatterns = [
    path("pickups/", views.pickups, name="pickups"),
    path("pickups/find/", views.pickup_find, name="pickup_find"),
    path("pickups/<int:pk>/", views.pickup_detail, name="pickup_detail"),
    path("pickups/<int:pk>/start/", views.pickup_start_view, name="pickup_start"),
    path("pickups/<int:pk>/handover/", views.pickup_handover_view, name="pickup_handover"),
    path("pickups/<int:pk>/transfer/", views.pickup_transfer, name="pickup_transfer"),
    path("store-requests/<int:pk>/accept/", views.store_request_accept, name="store_request_accept"),
    path("store-requests/<int:pk>/reject/", views.store_request_reject_view, name="store_request_reject"),
    path("stores/<slug:code>/settings/", views.store_settings, name="store_settings"),
    path("stores/<slug:code>/full/clear/", views.store_ship_full_clear_view, name="store_ship_full_clear"),
    path("routing/", views.routing_overview, name="routing"),
    path("routing/calculator/", views.rate_calculator, name="rate_calculator"),
    path("routing/drift/", rate_drift, name="rate_drift"),
    path("routing/carriers/new/", views.carrier_create_view, name="carrier_create"),
    path("routing/carriers/<slug:code>/edit/", views.carrier_edit, name="carrier_edit"),
    path("routing/carriers/<slug:code>/services/new/", views.service_create_view, name="service_create"),
    path("routing/carriers/<slug:code>/<slug:service>/", views.service_rates, name="service_rates"),
    path("routing/carriers/<slug:code>/<slug:service>/edit/", views.service_edit, name="service_edit"),
    path("carriers/webhooks/<slug:account_code>/", carrier_webhook, name="carrier_webhook"),
    path("orders/<int:pk>/address/accept/", order_address_accept_view, name="order_address_accept"),
    path("work/", views.work, name="work"),
    path("consolidation/", consolidation, name="consolidation"),
    path("work/shipments/accept/", work_accept_bulk, name="work_accept_bulk"),
    path("work/shipments/<int:pk>/accept/", views.work_accept, name="work_accept"),
    path("work/shipments/<int:pk>/reject/", views.work_reject, name="work_reject"),
    path("work/shipments/<int:pk>/pack/", views.work_pack, name="work_pack"),
    path("work/shipments/<int:pk>/ship/", views.work_ship, name="work_ship"),
    path("work/shipments/<int:pk>/rates/", views.work_rates, name="work_rates"),
    path("work/shipments/<int:pk>/packing-slip.pdf", views.packing_slip, name="packing_slip"),
    path("work/labels/<int:pk>/label.<str:fmt>", views.label_file, name="label_file"),
    path("work/labels/<int:pk>/print/", views.label_print, name="label_print"),
    path("work/labels/<int:pk>/void/", views.label_void, name="label_void"),
    path("work/labels/<int:pk>/return-label/", views.return_label_file, name="return_label_file"),
    path("work/shipments/<int:pk>/return-label/", views.return_label, name="return_label"),
    path("work/manifests/", views.manifests, name="manifests"),
    path("work/manifests/<int:pk>.pdf", views.manifest_document, name="manifest_document"),
    path("work/picklists/new/", views.work_picklist_create, name="work_picklist_create"),
    path("work/picklists/<int:pk>/", views.work_picklist, name="work_picklist"),
]
