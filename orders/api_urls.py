from django.urls import path

from orders import apis

urlpatterns = [
    path("orders", apis.OrderListCreateView.as_view(), name="api-orders"),
    path("orders/<int:pk>", apis.OrderDetailView.as_view(), name="api-order"),
    path("orders/<int:pk>/cancel", apis.OrderCancelView.as_view(), name="api-order-cancel"),
]
