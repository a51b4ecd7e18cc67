"""One-time links emailed to people: an invitation to choose a first password, or a password reset.

Both are Django's password-reset tokens: a link stops working once the password it sets is saved,
after PASSWORD_RESET_TIMEOUT, or when the person signs in meanwhile (the token covers last_login).
"""

from __future__ import annotations

import enum
import functools
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


class AccountLink(enum.Enum):
    INVITE = "invite"
    RESET = "reset"


def account_link_url(*, user: Any, link_base: str) -> str:
    """The absolute one-time link for this person (link_base: the site's scheme and host, no path)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("password_set", kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)})
    return link_base.rstrip("/") + path


def account_link_send(*, user: Any, kind: AccountLink, link_base: str, sender: Any) -> None:
    """Email the person their link after the surrounding transaction commits (never for a rolled-back invite)."""
    context = {
        "user": user,
        "url": account_link_url(user=user, link_base=link_base),
        "sender": sender.get_full_name() or sender.get_username() if sender is not None else "",
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        "site": link_base.rstrip("/"),
    }
    subject = render_to_string(f"accounts/email/{kind.value}_subject.txt", context).strip()
    body = render_to_string(f"accounts/email/{kind.value}.txt", context)
    transaction.on_commit(
        functools.partial(send_mail, subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
    )
