"""Filter fields shared by the API FilterSets."""

import datetime as dt

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeRangeField


class IdFilter(django_filters.NumberFilter):
    """An integer id: a non-integer or out-of-range value is a 400, never a database error."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class _UtcIsoDateTimeRangeField(IsoDateTimeRangeField):
    """ISO 8601 bounds converted to UTC: any valid offset (even -20:42) becomes a value every
    database accepts; a date that cannot be represented in UTC is a 400."""

    def compress(self, data_list):
        converted = []
        for value in data_list or []:
            if value is not None and value.tzinfo is not None:
                try:
                    value = value.astimezone(dt.UTC)
                except OverflowError:
                    raise forms.ValidationError("Date out of range.", code="out_of_range") from None
            converted.append(value)
        return super().compress(converted)


class DateTimeRangeFilter(django_filters.IsoDateTimeFromToRangeFilter):
    """``<name>_after`` / ``<name>_before`` in ISO 8601."""

    field_class = _UtcIsoDateTimeRangeField
