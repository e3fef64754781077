"""Template helpers for the hub pages."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **changes) -> str:
    """The current query string with ``changes`` applied (``None`` removes a key); keeps the
    filters when paging."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.simple_tag
def pill(value, label=None):
    """A status badge; ``label`` is the translated display text."""
    return format_html('<span class="pill {}">{}</span>', value, label or value)


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in templates (None when missing)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def percent(value, digits=1):
    """0.9135 → '91.4 %' (empty for None)."""
    if value is None or value == "":
        return ""
    return f"{float(value) * 100:.{int(digits)}f} %"


@register.filter
def number(value, digits=0):
    """Thousands separators, fixed decimals (empty for None)."""
    if value is None or value == "":
        return ""
    return f"{float(value):,.{int(digits)}f}"


@register.filter
def verbose_plural(model) -> str:
    """A model's translated plural name (``_meta`` is not reachable from templates)."""
    return model._meta.verbose_name_plural


@register.filter
def split(value: str) -> list[str]:
    return value.split()


@register.filter
def index(sequence, position):
    """``sequence[position - 1]`` for the compare table (diffs are one shorter than runs)."""
    try:
        return sequence[int(position) - 1]
    except (IndexError, TypeError, ValueError):
        return None


@register.filter
def parameter_rows(parameters) -> list[dict]:
    """A plan's parameters as ``[{name, label, value}]`` rows, labels in the user's language."""
    from plans.parameters import parameter_rows as rows

    return rows(parameters)
