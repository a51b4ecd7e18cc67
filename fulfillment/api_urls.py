from django.urls import path

from fulfillment import apis

urlpatterns = [
    path("pickup-options", apis.PickupOptionsView.as_view(), name="api-pickup-options"),
]
