"""The REST API under /api/ (namespace ``api``), its OpenAPI schema and docs page."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from input_sets.api.views import ConfigVersionViewSet, InputSetViewSet
from planning_hub.jobs.api.views import JobViewSet
from plans.api.views import PlanViewSet
from runs.api.views import RunViewSet

app_name = "api"

router = SimpleRouter()
router.register("config-versions", ConfigVersionViewSet, basename="config-version")
router.register("input-sets", InputSetViewSet, basename="input-set")
router.register("plans", PlanViewSet, basename="plan")
router.register("runs", RunViewSet, basename="run")
router.register("jobs", JobViewSet, basename="job")

urlpatterns = [
    # runbook paths (seeds 001/003 §4) kept as aliases
    path(
        "plans/input_sets/<str:label>/events",
        InputSetViewSet.as_view({"get": "events"}),
        name="runbook-input-set-events",
    ),
    path(
        "plans/input_sets/<str:label>/export",
        InputSetViewSet.as_view({"get": "export"}),
        name="runbook-input-set-export",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # the split view serves its start-up script as a file: no inline script (CSP)
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
