"""Subscriptions: recurring billing, proration and usage.

Usage rating (:mod:`ordercore.subscriptions.usage`): metered records aggregated per
metric and period, rated by a charge model (per unit, graduated or volume tiers,
packages, percentages) into a :class:`RatedCharge` that explains itself and becomes
pricing lines.
"""

# -- usage rating --
from ordercore.subscriptions.usage import (
    Aggregation,
    GraduatedPercentage,
    GraduatedTiers,
    Package,
    Percentage,
    PercentTier,
    PerUnit,
    RatedCharge,
    RatingStep,
    StepKind,
    Tier,
    Usage,
    UsageModel,
    UsageRecord,
    VolumeTiers,
    aggregate,
    rate,
)

__all__ = [
    # -- usage rating --
    "Aggregation",
    "GraduatedPercentage",
    "GraduatedTiers",
    "Package",
    "PerUnit",
    "PercentTier",
    "Percentage",
    "RatedCharge",
    "RatingStep",
    "StepKind",
    "Tier",
    "Usage",
    "UsageModel",
    "UsageRecord",
    "VolumeTiers",
    "aggregate",
    "rate",
]
