from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.index, name="index"),
    path("channels/<slug:code>/", views.channel_detail, name="channel"),
    path("channels/<slug:code>/<slug:kind>/switch/", views.kind_switch, name="switch"),
    path("channels/<slug:code>/<slug:kind>/<str:language>/", views.template_edit, name="template"),
    path("channels/<slug:code>/<slug:kind>/<str:language>/preview/", views.template_preview_view, name="preview"),
    path("orders/<int:order_id>/", views.order_notifications_view, name="order"),
    path("<int:pk>/resend/", views.notification_resend_view, name="resend"),
]
