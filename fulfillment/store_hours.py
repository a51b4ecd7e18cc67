"""A store's clock: when can a pickup be ready, when does a request's SLA end (pure, no database).

Everything is computed in the store's own time zone with `zoneinfo`, so a store in Chicago
and one in Los Angeles each follow their own wall clock, and daylight-saving changes are
exact: the pick lead time is a duration (added in absolute time), while opening and closing
are wall-clock times of each local day.

Rules for a pickup placed (or whose stock arrives) at instant `start`:
- a day counts if its weekday has opening hours, it is not a closure date, and it is not a
  day whose pickup capacity is full;
- on the start's own local day, a start after the pickup cut-off (by default closing time
  minus the lead time) moves to the next day;
- work starts at the later of `start` and opening time; ready = work start + lead time,
  which must not be after closing (else the next day).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: How far ahead the clock looks for an opening day (a store closed for longer has no answer).
HORIZON_DAYS = 28
#: The latest closing time the hours form can hold; it means the store closes at midnight.
END_OF_DAY = time(23, 59)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class StoreClock:
    """A store's opening hours (weekday 0 = Monday -> (opens, closes), local), closures and pick settings."""

    timezone: str
    hours: Mapping[int, tuple[time, time]]
    closed_dates: frozenset[date] = frozenset()
    lead_minutes: int = 60
    cutoff: time | None = None
    full_dates: frozenset[date] = field(default_factory=frozenset)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_open_day(self, day: date, *, for_pickup: bool = True) -> bool:
        """True if the store opens that local day (and, for a pickup, still has capacity)."""
        if day.weekday() not in self.hours or day in self.closed_dates:
            return False
        return not (for_pickup and day in self.full_dates)

    def window(self, day: date) -> tuple[datetime, datetime]:
        """Opening and closing of a local day, as aware datetimes in the store's zone."""
        opens, closes = self.hours[day.weekday()]
        start = datetime.combine(day, opens, tzinfo=self.zone)
        if closes == END_OF_DAY:  # "open until 23:59" is open until midnight: no minute lost at night
            return start, datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=self.zone)
        return start, datetime.combine(day, closes, tzinfo=self.zone)

    def day_cutoff(self, day: date) -> time:
        """The latest local time a pickup placed that day is still readied that day."""
        if self.cutoff is not None:
            return self.cutoff
        opens, closes = self.window(day)
        latest = (closes.astimezone(UTC) - timedelta(minutes=self.lead_minutes)).astimezone(self.zone)
        return max(latest, opens).timetz().replace(tzinfo=None)


def local(instant: datetime, timezone: str) -> datetime:
    """An aware instant on the wall clock of a time zone."""
    if instant.tzinfo is None:
        raise ValueError("Times must be timezone-aware.")
    return instant.astimezone(ZoneInfo(timezone))


def pickup_ready_by(clock: StoreClock, start: datetime) -> datetime | None:
    """The earliest instant a pickup started at `start` can be ready, or None within the horizon.

    Returned in the store's time zone (aware). See the module docstring for the rules.
    """
    now_local = local(start, clock.timezone)
    lead = timedelta(minutes=clock.lead_minutes)
    for offset in range(HORIZON_DAYS + 1):
        day = now_local.date() + timedelta(days=offset)
        if not clock.is_open_day(day):
            continue
        opens, closes = clock.window(day)
        if offset == 0:
            if now_local.time() > clock.day_cutoff(day):
                continue
            begin = max(now_local, opens)
        else:
            begin = opens
        ready = (begin.astimezone(UTC) + lead).astimezone(clock.zone)
        if ready <= closes:
            return ready
    return None


def next_opening(clock: StoreClock, start: datetime) -> datetime | None:
    """When the store is next open at or after `start` (start itself if open then), or None."""
    now_local = local(start, clock.timezone)
    for offset in range(HORIZON_DAYS + 1):
        day = now_local.date() + timedelta(days=offset)
        if not clock.is_open_day(day, for_pickup=False):
            continue
        opens, closes = clock.window(day)
        if offset == 0 and now_local >= closes:
            continue
        return max(now_local, opens) if offset == 0 else opens
    return None


def accept_deadline(clock: StoreClock, start: datetime, minutes: int) -> datetime:
    """When a ship-from-store request created at `start` must be accepted.

    The SLA counts only minutes the store is open: from `start` (or the next opening) to
    closing, and whatever is left carries over to the next opening day (closed weekdays and
    closure dates skipped). Minutes are real elapsed time, so a window that spans a
    daylight-saving change counts its true length. A store with no opening hours at all runs
    the SLA around the clock; one closed for the whole horizon gets `start + minutes`.
    Returned in the store's time zone (aware).
    """
    if not clock.hours:
        return start + timedelta(minutes=minutes)
    begin_local = local(start, clock.timezone)
    left = timedelta(minutes=minutes)
    for offset in range(HORIZON_DAYS + 1):
        day = begin_local.date() + timedelta(days=offset)
        if not clock.is_open_day(day, for_pickup=False):
            continue
        opens, closes = clock.window(day)
        frm = max(begin_local.astimezone(UTC), opens.astimezone(UTC))
        until = closes.astimezone(UTC)
        if frm >= until:
            continue
        if frm + left <= until:
            return (frm + left).astimezone(clock.zone)
        left -= until - frm
    return (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(clock.zone)


def hours_label(hours: Mapping[int, tuple[time, time]], weekday: int) -> str:
    """ "09:00-21:00" or "Closed" for a weekday."""
    if weekday not in hours:
        return "Closed"
    opens, closes = hours[weekday]
    return f"{opens:%H:%M}-{closes:%H:%M}"
