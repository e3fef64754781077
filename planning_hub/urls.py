"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("planning_hub.api.urls")),
    path("", views.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    # runbook URLs: input sets under /ui/plans/input_sets (before /ui/plans/<version>)
    path("", include("input_sets.urls")),
    path("", include("runs.urls")),
    path("ui/", include("plans.urls")),
    path("ui/", include("planning_hub.jobs.urls")),
    path("metrics", views.metrics, name="prometheus-django-metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler404 = "planning_hub.views.not_found"
handler500 = "planning_hub.views.server_error"
