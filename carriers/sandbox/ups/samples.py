"""UPS's published payloads (carriers/sandbox/samples/ups_*.json), the templates of the sandbox's answers."""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"


@lru_cache(maxsize=16)
def _read(name: str) -> Any:
    return json.loads((SAMPLES_DIR / name).read_text())


def load_sample(name: str) -> Any:
    """A fresh copy of a published sample, safe to change."""
    return copy.deepcopy(_read(name))
