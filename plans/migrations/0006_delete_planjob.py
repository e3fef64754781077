"""The plan job table goes (its rows are jobs now); PlanJob stays as a proxy of Job."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_initial"),
        ("plans", "0005_plan_jobs_to_jobs"),
        ("runs", "0003_run_plan_job_is_a_job"),
    ]

    operations = [
        migrations.DeleteModel(name="PlanJob"),
        migrations.CreateModel(
            name="PlanJob",
            fields=[],
            options={
                "verbose_name": "plan job",
                "verbose_name_plural": "plan jobs",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("jobs.job",),
        ),
    ]
