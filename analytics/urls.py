"""The KPI dashboard and its export (mounted at /analytics/)."""

from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.kpi_dashboard, name="dashboard"),
    path("export.csv", views.kpi_export, name="export"),
]
