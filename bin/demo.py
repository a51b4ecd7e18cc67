#!/usr/bin/env python
"""Run the demo: web server, Celery worker and Celery beat, until Ctrl-C.

`make demo` migrates and seeds first, then calls this. Embedded defaults (SQLite file and a
file-system broker under var/) are used unless DATABASE_URL / REDIS_URL are set. DEMO_PORT
(default 8000) and DEMO_HOST (default 127.0.0.1) say where the web server listens.

The console stays quiet: each process logs to its own file under var/log/ (web.log, worker.log,
beat.log; what a process prints itself, like Celery's banner, goes to <name>-console.log), and
only errors are printed here. At start it prints the URL, every demo login and the tour.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = os.environ.get("DEMO_HOST", "127.0.0.1")
PORT = os.environ.get("DEMO_PORT", "8000")
#: Seconds to wait for the web server's first answer before saying it did not start.
START_TIMEOUT = 60


def _var_dir() -> Path:
    """Where the settings keep their files (VAR_DIR, default var/ in the checkout)."""
    return Path(os.environ.get("VAR_DIR", ROOT / "var"))


def _start(name: str, args: list[str], log_dir: Path, opened: list[IO[bytes]]) -> subprocess.Popen[bytes]:
    """Start one process with its log file named in the environment; its own prints go to <name>-console.log."""
    console = (log_dir / f"{name}-console.log").open("ab")
    opened.append(console)
    env = {**os.environ, "DEMO_MODE": "1", "DEMO_LOG_FILE": f"{name}.log"}
    # Celery warns at start when it runs as root (as in a container); expected here, so not printed.
    env["PYTHONWARNINGS"] = "ignore:You're running the worker with superuser privileges"
    # stderr stays on this console: a crash before logging is set up must still be seen.
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=console, start_new_session=True)  # noqa: S603


def _wait_until_up(url: str, web: subprocess.Popen[bytes]) -> bool:
    """Poll the web server until it answers (any HTTP status), it exits, or START_TIMEOUT passes."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and web.poll() is None:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310  (our own local server)
            return True
        except urllib.error.HTTPError:
            return True  # it answered; the sign-in redirect or a 404 is still an answer
        except OSError:
            time.sleep(0.5)
    return False


def _tour(base_url: str) -> list[str]:
    """The logins and the "try this first" steps, read from the seeded database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DEMO_LOG_FILE", "demo.log")  # this launcher's own log lines go to var/log/ too
    sys.path.insert(0, str(ROOT))
    import django  # noqa: PLC0415  (only once the processes are started: the launcher itself needs no Django)

    django.setup()
    from ui.demo.tour import tour_text  # noqa: PLC0415  (needs django.setup() first)

    return tour_text(base_url)


def main() -> int:
    """Start the three processes, print the URL, the logins and the tour, and stop them all on Ctrl-C."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    log_dir = _var_dir() / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    # SIGTERM (a service manager, `kill`) stops the demo like Ctrl-C: the three processes are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    celery = [PYTHON, "-m", "celery", "-A", "config"]
    opened: list[IO[bytes]] = []
    processes = {
        "web": _start("web", [PYTHON, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"], log_dir, opened),
        "worker": _start("worker", [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"], log_dir, opened),
        "beat": _start("beat", [*celery, "beat", "--loglevel", "INFO"], log_dir, opened),
    }
    base_url = f"http://{HOST}:{PORT}/"
    try:
        if not _wait_until_up(base_url, processes["web"]):
            print(f"The web server did not answer at {base_url}; see {log_dir / 'web.log'}.", file=sys.stderr)
            return 1
        print(f"\nThe back office is running at {base_url}  (API docs: {base_url}api/docs/)")
        print("\n".join(_tour(base_url)))
        print(
            f"Logs: {log_dir}/ (web, worker, beat). Only errors are printed here. Press Ctrl-C to stop.\n", flush=True
        )
        while all(proc.poll() is None for proc in processes.values()):
            time.sleep(1)
        dead = [name for name, proc in processes.items() if proc.poll() is not None]
        print(f"Stopped because {', '.join(dead)} exited; see {log_dir}/.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for proc in processes.values():
            if proc.poll() is None:
                # The leader only: Celery stops its own pool (signalling the group made it log each child as an error).
                proc.terminate()
        for proc in processes.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        for handle in opened:
            handle.close()


if __name__ == "__main__":
    sys.exit(main())
