"""Hub pages of the run registry (/ui/runs, /ui/runs/<run_id>)."""

from django.urls import path

from . import views

app_name = "runs"

urlpatterns = [
    path("ui/runs", views.run_list, name="list"),
    path("ui/runs/compare", views.run_compare, name="compare"),
    path("ui/runs/<str:run_id>", views.run_detail, name="detail"),
]
