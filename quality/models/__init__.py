"""Quality's models: rules, inspections and the quarantine (`inspections`), photography (`photos`)."""

from quality.models.inspections import (
    DefectExclusion,
    Disposition,
    DispositionAction,
    Inspection,
    InspectionPhoto,
    InspectionStatus,
    InspectionTrigger,
    InspectionUnit,
    QcRule,
    QualityPolicy,
    QuarantineLot,
    SampleMode,
)
from quality.models.photos import PhotoReason, PhotoRequest, PhotoRequestStatus, PhotoStatus, ProductPhoto

__all__ = [
    "DefectExclusion",
    "Disposition",
    "DispositionAction",
    "Inspection",
    "InspectionPhoto",
    "InspectionStatus",
    "InspectionTrigger",
    "InspectionUnit",
    "PhotoReason",
    "PhotoRequest",
    "PhotoRequestStatus",
    "PhotoStatus",
    "ProductPhoto",
    "QcRule",
    "QualityPolicy",
    "QuarantineLot",
    "SampleMode",
]
