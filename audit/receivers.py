"""The History panel on the SKU and location pages, answered to inventory's panel signals."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from inventory.signals import location_panels, sku_panels

PANEL = "audit/_history_panel_signal.html"


@receiver(sku_panels, dispatch_uid="audit.sku_history_panel")
def sku_history_panel(sender: Any, sku: Any, user: Any, **_: Any) -> dict[str, Any] | None:
    """The SKU's changes, for those allowed to read the audit trail."""
    return {"template": PANEL, "context": {"object": sku}} if user.has_perm("audit.view_audit_trail") else None


@receiver(location_panels, dispatch_uid="audit.location_history_panel")
def location_history_panel(sender: Any, location: Any, user: Any, **_: Any) -> dict[str, Any] | None:
    """The location's changes (its settings and who may work there)."""
    if not user.has_perm("audit.view_audit_trail"):
        return None
    return {"template": PANEL, "context": {"object": location}}
