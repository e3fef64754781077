"""FilterSets for plans and series (jobs: ``planning_hub.jobs.api.views``)."""

import django_filters
from django import forms

from planning_hub.api.filters import DateTimeRangeFilter, IdFilter

from ..models import PlanState, PlanVersion, SeriesLevel


class PlanFilterSet(django_filters.FilterSet):
    input_set_label = django_filters.CharFilter()
    config_version = IdFilter(field_name="config_version_id")
    status = django_filters.ChoiceFilter(field_name="state", choices=PlanState.choices)
    created = DateTimeRangeFilter(field_name="created_at")

    class Meta:
        model = PlanVersion
        fields = ["input_set_label", "config_version", "status", "created"]


class SeriesFilterForm(forms.Form):
    """Query parameters of ``series/`` (the series live in Parquet segments, not in SQL, so
    this validates the parameters of :func:`plans.selectors.plan_series_read`)."""

    level = forms.ChoiceField(choices=SeriesLevel.choices, required=False)
    item = forms.CharField(required=False, max_length=100)
    bucket_from = forms.CharField(required=False, max_length=32)
    bucket_to = forms.CharField(required=False, max_length=32)
