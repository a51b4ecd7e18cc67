"""Typing helpers shared by the apps."""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

AnyUser: TypeAlias = AbstractBaseUser | AnonymousUser
#: Who did something: a user, an anonymous visitor, or nobody (a sweep, a channel, the system).
Actor: TypeAlias = AnyUser | None


def actor_id(actor: Actor) -> int | None:
    """The user id to record as the actor, or None for an anonymous visitor or the system."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor.pk


def user_has_perm(user: AnyUser | None, perm: str) -> bool:
    """True if the user is logged in and holds the permission (directly, by group or as superuser)."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.has_perm(perm))  # type: ignore[attr-defined]
