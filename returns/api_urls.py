from django.urls import path

from returns import apis

urlpatterns = [
    path("returns", apis.ReturnListCreateView.as_view(), name="api-returns"),
    path("returns/<int:pk>", apis.ReturnDetailView.as_view(), name="api-return"),
]
