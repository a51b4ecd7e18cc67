"""URLs of the planning pages (/planning/)."""

from django.urls import path

from planning.views import forecasts, proposals

app_name = "planning"

urlpatterns = [
    path("", forecasts.forecast_index, name="index"),
    path("recompute/", forecasts.forecast_recompute, name="recompute"),
    path("recompute/progress/", forecasts.forecast_progress, name="progress"),
    path("proposals/", proposals.proposal_index, name="proposals"),
    path("proposals/recompute/", proposals.proposals_recompute, name="proposals_recompute"),
    path("proposals/policies/", proposals.stocking_policies_update, name="stocking_policies"),
    path("proposals/<int:proposal_id>/approve/", proposals.proposal_approve, name="proposal_approve"),
]
