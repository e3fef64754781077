"""Filter fields shared by the API FilterSets."""

import django_filters
from django import forms


class IdFilter(django_filters.NumberFilter):
    """An integer id: a non-integer or out-of-range value is a 400, never a database error."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)
