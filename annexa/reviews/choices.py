"""Enumerations of the reviews app: where a management review stands, what a decision is."""

from django.db import models


class ReviewStatus(models.TextChoices):
    """draft (inputs assembled and edited) → held (the meeting took place; inputs frozen) →
    signed off by top management (the record no longer changes)."""

    DRAFT = "draft", "Draft"
    HELD = "held", "Held, inputs frozen"
    SIGNED_OFF = "signed_off", "Signed off"


class DecisionKind(models.TextChoices):
    """The outputs clause 9.3.3 asks a review to decide on."""

    IMPROVEMENT = "improvement", "Continual improvement"
    CHANGE = "change", "Change to the ISMS"
    RESOURCES = "resources", "Resources"
