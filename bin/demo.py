#!/usr/bin/env python
"""Run the demo: web server, Celery worker and Celery beat, until Ctrl-C.

`make demo` migrates and seeds first, then calls this. Embedded defaults (SQLite file and a
file-system broker under var/) are used unless DATABASE_URL / REDIS_URL are set.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = os.environ.get("DEMO_HOST", "127.0.0.1")
PORT = os.environ.get("DEMO_PORT", "8000")

DEMO_LOGINS = [
    ("admin", "demo-admin-2026", "Administrator: everything, including /admin/"),
    ("backoffice", "demo-backoffice-2026", "Back office: every location"),
    ("operator", "demo-operator-2026", "Warehouse operator: two warehouses"),
    ("associate", "demo-associate-2026", "Store associate: one store"),
]


def _start(name: str, args: list[str]) -> subprocess.Popen[bytes]:
    print(f"  starting {name}: {' '.join(args)}", flush=True)
    return subprocess.Popen(args, cwd=ROOT, start_new_session=True)  # noqa: S603


def main() -> int:
    """Start the three processes, print how to log in, and stop them all on Ctrl-C."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    celery = [PYTHON, "-m", "celery", "-A", "config"]
    processes = {
        "web": _start("web", [PYTHON, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"]),
        "worker": _start("worker", [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"]),
        "beat": _start("beat", [*celery, "beat", "--loglevel", "INFO"]),
    }
    time.sleep(2)
    print(f"\nThe back office is running at http://{HOST}:{PORT}/  (API docs: http://{HOST}:{PORT}/api/docs/)")
    print("Demo logins:")
    for username, password, what in DEMO_LOGINS:
        print(f"  {username:<11} {password:<22} {what}")
    print("Press Ctrl-C to stop.\n", flush=True)
    try:
        while all(proc.poll() is None for proc in processes.values()):
            time.sleep(1)
        dead = [name for name, proc in processes.items() if proc.poll() is not None]
        print(f"Stopped because {', '.join(dead)} exited.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for proc in processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in processes.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
