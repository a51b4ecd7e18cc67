"""Partners' pages and endpoints (included at /partners/)."""

from django.urls import path

from partners.views.threepl_webhooks import threepl_webhook

app_name = "partners"

urlpatterns = [
    path("3pl/webhooks/<slug:partner_code>/", threepl_webhook, name="threepl_webhook"),
]
