"""Quality's pages: the QC queue and inspections, the quarantine, the photo station, rules and policy."""

from django.urls import path

from quality import views

app_name = "quality"

urlpatterns = [
    path("", views.qc_queue, name="queue"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspections/photos/<int:pk>/", views.inspection_photo, name="inspection_photo"),
    path("shipments/<int:pk>/", views.shipment_check, name="shipment_check"),
    path("quarantine/", views.quarantine_list, name="quarantine"),
    path("quarantine/<int:pk>/dispose/", views.quarantine_dispose_view, name="dispose"),
    path("photos/", views.photo_queue, name="photo_queue"),
    path("photos/requests/<int:pk>/upload/", views.photo_request_upload, name="photo_request_upload"),
    path("photos/<int:pk>/review/", views.photo_review, name="photo_review"),
    path("photos/<int:pk>/file/", views.photo_file, name="photo_file"),
    path("skus/<path:code>/photos/", views.sku_photos, name="sku_photos"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("policy/", views.policy_edit, name="policy"),
]
