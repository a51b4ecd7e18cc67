"""URLs of the audit trail (/audit/)."""

from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_list, name="list"),
    path("<slug:app_label>/<slug:model_name>/", views.object_history, name="model_history"),
    path("<slug:app_label>/<slug:model_name>/<int:pk>/", views.object_history, name="object_history"),
]
