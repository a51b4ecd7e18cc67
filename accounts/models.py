"""Models of the accounts app: the sign-in rules of each role.

People are Django users; their role is one of the groups of `core.roles`, their locations are
`inventory.LocationAccess` rows and a supplier's person is linked by `partners.PartnerUser`.
Two-factor devices are django-otp's `TOTPDevice`; failed sign-ins are django-axes' `AccessAttempt`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models


class RoleSecurity(models.Model):
    """How the people of one role must sign in: whether a second factor (an authenticator app) is required."""

    role = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="security")
    require_two_factor = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "role security"
        # The users pages and the sign-in rules: administrators only (core.roles gives them every permission).
        permissions = [("manage_users", "Can invite people, change their roles, locations and sign-in")]

    def __str__(self) -> str:
        return f"{self.role.name}: {'2FA required' if self.require_two_factor else '2FA optional'}"
