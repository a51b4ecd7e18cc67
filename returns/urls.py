from django.urls import path

from returns import views

app_name = "returns"

urlpatterns = [
    path("", views.index, name="index"),
    path("receive/", views.receive_scan, name="receive"),
    path("counter/", views.counter, name="counter"),
    path("counter/<int:pk>/", views.counter_return, name="counter_return"),
    path("report/", views.return_report_view, name="report"),
    path("stock/", views.returned_stock, name="stock"),
    path("stock/refurbish/<int:pk>/<slug:action>/", views.refurbish_action, name="refurbish_action"),
    path("stock/vendor/<int:pk>/ship/", views.vendor_return_ship_view, name="vendor_return_ship"),
    path("photos/<int:pk>/", views.return_photo, name="photo"),
    path("policies/", views.policies, name="policies"),
    path("policies/<slug:key>/", views.policy_edit, name="policy_edit"),
    path("new/<int:order_pk>/", views.return_create, name="create"),
    path("self/", views.customer_start, name="customer_start"),
    path("self/order/", views.customer_order_view, name="customer_order"),
    path("self/order/estimate/", views.customer_quote, name="customer_quote"),
    path("self/r/<str:token>/", views.customer_return_view, name="customer_return"),
    path("self/r/<str:token>/label/", views.customer_label, name="customer_label"),
    path("<int:pk>/", views.return_detail_view, name="detail"),
    path("<int:pk>/receive/", views.return_receive_view, name="receive_rma"),
    path("<int:pk>/inspect/", views.return_inspect_view, name="inspect"),
    path("<int:pk>/label/", views.return_label, name="label"),
    path("<int:pk>/<slug:action>/", views.return_action, name="action"),
]
