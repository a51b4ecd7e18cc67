"""The drop folder on the default storage: `edi/<partner code>/{inbox,outbox,processed,failed}/`.

Partners (or the transport that speaks SFTP/AS2 for them) put files in `inbox/` and take ours
from `outbox/`. Storage is Django's default storage, so several web and worker nodes share
one folder (an object store in production, InMemoryStorage in tests).
"""

from __future__ import annotations

import posixpath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from partners.models import Partner

INBOX, OUTBOX, PROCESSED, FAILED = "inbox", "outbox", "processed", "failed"
ROOT = "edi"


def folder(partner: Partner, name: str) -> str:
    """e.g. "edi/acme/inbox"."""
    return posixpath.join(ROOT, partner.code, name)


def inbox_files(partner: Partner) -> list[str]:
    """Names of the files waiting in the partner's inbox, oldest name first (sub-folders ignored)."""
    path = folder(partner, INBOX)
    try:
        _dirs, files = default_storage.listdir(path)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(name for name in files if not name.startswith("."))


def read(partner: Partner, box: str, name: str) -> bytes:
    """The bytes of `name` in `box`."""
    with default_storage.open(posixpath.join(folder(partner, box), name), "rb") as handle:
        data = handle.read()
    return data if isinstance(data, bytes) else data.encode()


def write(partner: Partner, box: str, name: str, content: str | bytes) -> str:
    """Store `content` as `name` in `box` unless a file of that name is already there; return its path.

    Names we write are unique (they carry control numbers), so an existing file is this same
    content written by an earlier attempt: it is left as it is, never doubled.
    """
    path = posixpath.join(folder(partner, box), name)
    if not default_storage.exists(path):
        data = content.encode() if isinstance(content, str) else content
        path = default_storage.save(path, ContentFile(data))
    return path


def move(partner: Partner, name: str, box: str, note: str = "", note_suffix: str = ".error.txt") -> str:
    """Move `name` from the inbox to `box` (with `note` beside it when given); return its new path.

    A file of the same name already in `box` (the partner sent it again) is kept: the storage
    picks a free name for the new one.
    """
    source = posixpath.join(folder(partner, INBOX), name)
    with default_storage.open(source, "rb") as handle:
        data = handle.read()
    target = default_storage.save(posixpath.join(folder(partner, box), name), ContentFile(data))
    if note:
        default_storage.save(target + note_suffix, ContentFile(note.encode()))
    default_storage.delete(source)
    return target
