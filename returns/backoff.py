"""How the returns tasks retry: up to `MAX_RETRIES` times, waiting twice as long each time, at most an hour."""

MAX_RETRIES = 8
BACKOFF_MAX_SECONDS = 3600


def backoff(retries: int) -> int:
    """Seconds to wait before retry number `retries` + 1: 30, 60, 120, ... up to `BACKOFF_MAX_SECONDS`."""
    return int(min(2**retries * 30, BACKOFF_MAX_SECONDS))
