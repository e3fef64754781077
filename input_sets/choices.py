"""Enumerations for input sets (stored values are the English keys; labels are translated)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InputSetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    READY = "ready", _("Ready")
    ARCHIVED = "archived", _("Archived")


class InputSetSource(models.TextChoices):
    CSV = "csv", _("CSV import")
    UI = "ui", _("UI upload")
    API = "api", _("API upload")
    SEED = "seed", _("Sample data")


class ConfigVersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    ARCHIVED = "archived", _("Archived")


class DemandSourceType(models.TextChoices):
    CANONICAL = "canonical", _("Canonical")
    OVERRIDE = "override", _("Override")
    IMPORTED = "imported", _("Imported")


class ResourceType(models.TextChoices):
    WORKCENTER = "workcenter", _("Work centre")
    NODE = "node", _("Node")
    SUPPLIER = "supplier", _("Supplier")


class WeightSource(models.TextChoices):
    HISTORICAL = "historical", _("Historical")
    MANUAL = "manual", _("Manual")
    PROMOTION = "promotion", _("Promotion")
    OTHER = "other", _("Other")


class ApplyMode(models.TextChoices):
    REPLACE = "replace", _("Replace")
    MERGE = "merge", _("Merge")
