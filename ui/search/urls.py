"""The global search page."""

from django.urls import path

from ui.search.views import search

app_name = "search"

urlpatterns = [path("", search, name="search")]
