"""Hub pages of jobs (mounted under /ui/)."""

from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("jobs", views.job_list_page, name="list"),
    path("jobs/<int:job_id>", views.job_detail, name="detail"),
    path("jobs/<int:job_id>/status", views.job_status, name="status"),
]
