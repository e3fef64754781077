"""factory-boy factories shared by the test suite."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from audit.models import InputSetEvent
from input_sets import models


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw")
    is_staff = True

    @factory.post_generation
    def perms(self, create, extracted, **kwargs):
        """``UserFactory(perms=["input_sets.review_planninginputset", ...])``."""
        for name in extracted or []:
            app_label, codename = name.split(".")
            self.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        if create:
            self.save()


class ConfigVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CanonicalConfigVersion

    name = factory.Sequence(lambda n: f"config {n}")
    version_tag = "v1"


class InputSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PlanningInputSet

    config_version = factory.SubFactory(ConfigVersionFactory)
    label = factory.Sequence(lambda n: f"set_{n}")
    content_hash = factory.Faker("sha256")


class FamilyDemandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.FamilyDemand

    input_set = factory.SubFactory(InputSetFactory)
    family_code = factory.Sequence(lambda n: f"F{n}")
    period = "2026-01"
    demand = 100.0


class MixShareFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MixShare

    input_set = factory.SubFactory(InputSetFactory)
    family_code = "F1"
    sku_code = factory.Sequence(lambda n: f"SKU{n}")
    share = 0.5


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InputSetEvent

    input_set = factory.SubFactory(InputSetFactory)
    action = "upload"
    actor = "tester"


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "plans.PlanVersion"

    config_version = factory.SubFactory(ConfigVersionFactory)
    input_set = factory.SubFactory(
        InputSetFactory,
        config_version=factory.SelfAttribute("..config_version"),
        status="ready",
        approved_at=factory.LazyFunction(
            lambda: __import__("django.utils.timezone").utils.timezone.now()
        ),
    )
    input_set_label = factory.SelfAttribute("input_set.label")
    input_set_content_hash = factory.SelfAttribute("input_set.content_hash")
    state = "executed"


class JobFactory(factory.django.DjangoModelFactory):
    """A job of kind ``plan`` (``plan=`` the plan it executes); ``result`` holds the KPIs."""

    class Meta:
        model = "plans.PlanJob"

    class Params:
        plan = factory.SubFactory(PlanFactory)

    kind = "plan"
    object = factory.SelfAttribute("plan")
    trigger = "api"
    status = "succeeded"
    result = factory.LazyFunction(lambda: {"kpis": {"fill_rate": 0.9, "demand_total": 100.0}})


class DiffJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "jobs.Job"

    kind = "diff"
    status = "queued"


class RunFactory(factory.django.DjangoModelFactory):
    """A run of a plan with its job. A run reads its state from the job and its inputs from
    the plan, so ``status``, ``trigger`` and ``kpis`` set the job's and ``input_set_label``
    / ``input_set_content_hash`` the plan's (each only when given)."""

    class Meta:
        model = "runs.Run"

    plan_version = factory.SubFactory(PlanFactory)
    plan_job = factory.SubFactory(JobFactory, plan=factory.SelfAttribute("..plan_version"))
    status = None
    trigger = None
    kpis = None
    input_set_label = None
    input_set_content_hash = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        job_fields = {k: kwargs.pop(k) for k in ("status", "trigger", "kpis")}
        plan_fields = {k: kwargs.pop(k) for k in ("input_set_label", "input_set_content_hash")}
        run = super()._create(model_class, *args, **kwargs)
        job_fields = {k: v for k, v in job_fields.items() if v is not None}
        if "kpis" in job_fields:
            job_fields["result"] = {"kpis": job_fields.pop("kpis")}
        if job_fields and run.plan_job is not None:
            for name, value in job_fields.items():
                setattr(run.plan_job, name, value)
            run.plan_job.save(update_fields=list(job_fields))
        plan_fields = {k: v for k, v in plan_fields.items() if v is not None}
        if plan_fields:
            for name, value in plan_fields.items():
                setattr(run.plan_version, name, value)
            run.plan_version.save(update_fields=list(plan_fields))
        return run
