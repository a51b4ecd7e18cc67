"""Typing helpers shared by the apps."""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

AnyUser: TypeAlias = AbstractBaseUser | AnonymousUser


def user_has_perm(user: AnyUser | None, perm: str) -> bool:
    """True if the user is logged in and holds the permission (directly, by group or as superuser)."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.has_perm(perm))  # type: ignore[attr-defined]
