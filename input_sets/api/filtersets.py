"""django-filter FilterSets for input sets (all filtering happens in SQL, before paging)."""

import django_filters

from planning_hub.api.filters import DateTimeRangeFilter, IdFilter

from ..choices import InputSetSource, InputSetStatus
from ..models import PlanningInputSet


class InputSetFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=InputSetStatus.choices)
    source = django_filters.ChoiceFilter(choices=InputSetSource.choices)
    config_version = IdFilter(field_name="config_version_id")
    label = django_filters.CharFilter(field_name="label", lookup_expr="icontains")
    created = DateTimeRangeFilter(field_name="created_at")
    updated = DateTimeRangeFilter(field_name="updated_at")

    class Meta:
        model = PlanningInputSet
        fields = ["status", "source", "config_version", "label", "created", "updated"]
