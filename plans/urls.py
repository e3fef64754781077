from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("plans", views.plan_list, name="list"),
    path("plans/<str:version>", views.plan_detail, name="detail"),
    path("plans/<str:version>/state", views.plan_state, name="state"),
    path("plans/<str:version>/delete", views.plan_remove, name="delete"),
    path("plans/<str:version>/artifacts/<str:name>", views.plan_artifact, name="artifact"),
]
