"""Cross-app pages: the dashboard, the exceptions queue, sign-out."""

from ui.views.dashboard import dashboard, logout_view
from ui.views.exceptions import exceptions

__all__ = ["dashboard", "exceptions", "logout_view"]
