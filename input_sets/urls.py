"""Hub pages for input sets, at the runbook's URLs (/ui/plans/input_sets, …). Included at the
root before the plan pages, so ``input_sets`` is never taken for a plan version."""

from django.urls import path

from . import views

app_name = "input_sets"
PREFIX = "ui/plans/input_sets"

urlpatterns = [
    path(PREFIX, views.input_set_list, name="list"),
    path(f"{PREFIX}/upload", views.input_set_upload, name="upload"),
    path(f"{PREFIX}/<str:label>", views.input_set_detail, name="detail"),
    path(f"{PREFIX}/<str:label>/export", views.input_set_export, name="export"),
    path(f"{PREFIX}/<str:label>/diff", views.input_set_diff, name="diff"),
    path(f"{PREFIX}/<str:label>/diff/status", views.input_set_diff_status, name="diff_status"),
    path(
        f"{PREFIX}/<str:label>/diff/regenerate",
        views.input_set_diff_regenerate,
        name="diff_regenerate",
    ),
]
