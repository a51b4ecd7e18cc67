from django.urls import path

from inventory import views

app_name = "inventory"

urlpatterns = [
    path("inventory/", views.grid, name="grid"),
    path("locations/", views.location_list, name="location_list"),
    path("transfers/", views.transfer_list, name="transfer_list"),
]
