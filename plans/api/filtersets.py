"""FilterSets for plans, series and jobs."""

import django_filters

from planning_hub.api.filters import DateTimeRangeFilter, IdFilter

from ..models import JobStatus, PlanJob, PlanSeries, PlanState, PlanVersion, SeriesLevel


class PlanFilterSet(django_filters.FilterSet):
    input_set_label = django_filters.CharFilter()
    config_version = IdFilter(field_name="config_version_id")
    status = django_filters.ChoiceFilter(field_name="state", choices=PlanState.choices)
    created = DateTimeRangeFilter(field_name="created_at")

    class Meta:
        model = PlanVersion
        fields = ["input_set_label", "config_version", "status", "created"]


class SeriesFilterSet(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=SeriesLevel.choices)
    item = django_filters.CharFilter(field_name="item_key")
    bucket_from = django_filters.CharFilter(field_name="time_bucket_key", lookup_expr="gte")
    bucket_to = django_filters.CharFilter(field_name="time_bucket_key", lookup_expr="lte")

    class Meta:
        model = PlanSeries
        fields = ["level", "item", "bucket_from", "bucket_to"]


class JobFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=JobStatus.choices)
    plan_version = django_filters.CharFilter(field_name="plan__version_id")

    class Meta:
        model = PlanJob
        fields = ["status", "plan_version"]
