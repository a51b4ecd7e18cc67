from django.urls import path

from fulfillment.apis import orders, pickups

urlpatterns = [
    path("orders", orders.OrderListCreateView.as_view(), name="api-orders"),
    path("orders/<int:pk>", orders.OrderDetailView.as_view(), name="api-order"),
    path("orders/<int:pk>/cancel", orders.OrderCancelView.as_view(), name="api-order-cancel"),
    path("pickup-options", pickups.PickupOptionsView.as_view(), name="api-pickup-options"),
]
