"""A store's clock, without a database: ready-by times across time zones and DST, closures, cut-off, capacity."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from fulfillment.store_hours import StoreClock, accept_deadline, next_opening, pickup_ready_by

NINE_TO_NINE = {day: (time(9, 0), time(21, 0)) for day in range(7)}
NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")


def clock(tz: str = "America/New_York", **extra) -> StoreClock:
    return StoreClock(timezone=tz, hours=extra.pop("hours", NINE_TO_NINE), **extra)


def test_an_order_placed_while_open_is_ready_after_the_lead_time_in_the_stores_own_zone():
    placed = datetime(2026, 6, 10, 14, 0, tzinfo=UTC)  # 10:00 in New York, 07:00 in Los Angeles
    assert pickup_ready_by(clock(), placed) == datetime(2026, 6, 10, 11, 0, tzinfo=NY)
    # The same instant is before opening in Los Angeles: ready one lead time after 09:00 there.
    assert pickup_ready_by(clock("America/Los_Angeles"), placed) == datetime(2026, 6, 10, 10, 0, tzinfo=LA)


def test_the_same_instant_is_a_different_local_day_in_two_zones():
    placed = datetime(2026, 6, 11, 3, 30, tzinfo=UTC)  # 23:30 on the 10th in New York, 20:30 in Los Angeles
    ny = pickup_ready_by(clock(), placed)
    la = pickup_ready_by(clock("America/Los_Angeles", lead_minutes=20), placed)
    assert ny == datetime(2026, 6, 11, 10, 0, tzinfo=NY)  # closed: next morning
    assert la == datetime(2026, 6, 10, 20, 50, tzinfo=LA)  # still open, before its cut-off (20:40)


def test_after_the_cutoff_the_pickup_is_ready_the_next_opening_day():
    store = clock(cutoff=time(17, 0))
    before = datetime(2026, 6, 10, 16, 59, tzinfo=NY)
    after = datetime(2026, 6, 10, 17, 1, tzinfo=NY)
    assert pickup_ready_by(store, before) == datetime(2026, 6, 10, 17, 59, tzinfo=NY)
    assert pickup_ready_by(store, after) == datetime(2026, 6, 11, 10, 0, tzinfo=NY)


def test_without_a_cutoff_the_default_is_closing_time_minus_the_lead_time():
    store = clock(lead_minutes=90)
    assert store.day_cutoff(date(2026, 6, 10)) == time(19, 30)
    assert pickup_ready_by(store, datetime(2026, 6, 10, 19, 30, tzinfo=NY)) == datetime(2026, 6, 10, 21, 0, tzinfo=NY)
    assert pickup_ready_by(store, datetime(2026, 6, 10, 19, 31, tzinfo=NY)) == datetime(2026, 6, 11, 10, 30, tzinfo=NY)


def test_closed_weekdays_and_holiday_closures_are_skipped():
    weekdays_only = {day: (time(9, 0), time(18, 0)) for day in range(5)}
    friday_evening = datetime(2026, 12, 18, 19, 0, tzinfo=NY)  # Friday, after closing
    store = clock(hours=weekdays_only, closed_dates=frozenset({date(2026, 12, 21)}))
    # Saturday and Sunday closed, Monday the 21st a closure: Tuesday morning.
    assert pickup_ready_by(store, friday_evening) == datetime(2026, 12, 22, 10, 0, tzinfo=NY)


def test_a_day_whose_pickup_capacity_is_full_moves_the_promise_to_the_next_day():
    store = clock(full_dates=frozenset({date(2026, 6, 10)}))
    assert pickup_ready_by(store, datetime(2026, 6, 10, 10, 0, tzinfo=NY)) == datetime(2026, 6, 11, 10, 0, tzinfo=NY)


def test_a_store_never_open_has_no_ready_time():
    assert pickup_ready_by(clock(hours={}), datetime(2026, 6, 10, 10, 0, tzinfo=NY)) is None


@pytest.mark.parametrize(
    ("tz", "spring_forward", "fall_back"),
    [
        ("America/New_York", date(2026, 3, 8), date(2026, 11, 1)),
        ("America/Chicago", date(2026, 3, 8), date(2026, 11, 1)),
        ("America/Los_Angeles", date(2026, 3, 8), date(2026, 11, 1)),
        ("Europe/London", date(2026, 3, 29), date(2026, 10, 25)),
    ],
)
def test_opening_hours_follow_the_wall_clock_across_daylight_saving_changes(tz, spring_forward, fall_back):
    zone = ZoneInfo(tz)
    store = clock(tz)
    for day in (spring_forward, fall_back):
        # Placed at 01:30 local on the night of the change: ready at 10:00 local that day.
        placed = datetime.combine(day, time(1, 30), tzinfo=zone)
        ready = pickup_ready_by(store, placed)
        assert ready is not None
        assert (ready.date(), ready.hour, ready.minute) == (day, 10, 0)
        assert ready.utcoffset() == datetime.combine(day, time(12, 0), tzinfo=zone).utcoffset()
    # The UTC instant of "10:00 local" moves by one hour across the change.
    before = pickup_ready_by(store, datetime.combine(spring_forward - timedelta(days=1), time(1, 0), tzinfo=zone))
    after = pickup_ready_by(store, datetime.combine(spring_forward, time(1, 0), tzinfo=zone))
    assert before is not None and after is not None
    assert after.astimezone(UTC) - before.astimezone(UTC) == timedelta(hours=23)


def test_the_lead_time_is_a_real_duration_on_the_night_the_clocks_change():
    night_owl = clock(hours={6: (time(0, 30), time(23, 0))}, lead_minutes=120)  # Sundays 00:30-23:00
    ready = pickup_ready_by(night_owl, datetime(2026, 3, 8, 0, 45, tzinfo=NY))  # 2 h later, across 02:00 -> 03:00
    assert ready == datetime(2026, 3, 8, 3, 45, tzinfo=NY)
    assert ready.astimezone(UTC) - datetime(2026, 3, 8, 0, 45, tzinfo=NY).astimezone(UTC) == timedelta(hours=2)


def test_the_accept_sla_runs_in_opening_hours():
    store = clock()
    open_now = datetime(2026, 6, 10, 12, 0, tzinfo=NY)
    assert accept_deadline(store, open_now, 30) == datetime(2026, 6, 10, 12, 30, tzinfo=NY)
    at_night = datetime(2026, 6, 10, 23, 0, tzinfo=NY)
    assert next_opening(store, at_night) == datetime(2026, 6, 11, 9, 0, tzinfo=NY)
    assert accept_deadline(store, at_night, 30) == datetime(2026, 6, 11, 9, 30, tzinfo=NY)
    assert accept_deadline(clock(hours={}), at_night, 30) == at_night + timedelta(minutes=30)


#: A high-street store: weekdays 09:00-17:00, Saturdays 10:00-14:00, closed on Sundays.
HIGH_STREET = {**{day: (time(9, 0), time(17, 0)) for day in range(5)}, 5: (time(10, 0), time(14, 0))}


def test_the_accept_sla_stops_at_closing_and_carries_over_to_the_next_opening():
    store = clock(hours=HIGH_STREET)
    wednesday = datetime(2026, 6, 10, 16, 50, tzinfo=NY)
    # 10 minutes before closing, 50 more when it opens on Thursday (not 17:50 with the store shut).
    assert accept_deadline(store, wednesday, 60) == datetime(2026, 6, 11, 9, 50, tzinfo=NY)
    # Exactly at closing is still within the day.
    assert accept_deadline(store, wednesday, 10) == datetime(2026, 6, 10, 17, 0, tzinfo=NY)
    # Friday 16:30 + 300 min: 30 on Friday, 240 on Saturday 10-14, Sunday closed, 30 on Monday.
    friday = datetime(2026, 6, 12, 16, 30, tzinfo=NY)
    assert accept_deadline(store, friday, 300) == datetime(2026, 6, 15, 9, 30, tzinfo=NY)
    # Before opening the clock starts at opening.
    assert accept_deadline(store, datetime(2026, 6, 10, 7, 0, tzinfo=NY), 45) == datetime(2026, 6, 10, 9, 45, tzinfo=NY)


def test_the_accept_sla_skips_holiday_closures():
    store = clock(hours=HIGH_STREET, closed_dates=frozenset({date(2026, 6, 11)}))
    assert accept_deadline(store, datetime(2026, 6, 10, 16, 50, tzinfo=NY), 60) == datetime(
        2026, 6, 12, 9, 50, tzinfo=NY
    )


def test_the_accept_sla_follows_the_wall_clock_and_real_minutes_across_daylight_saving():
    store = clock(hours=HIGH_STREET)
    saturday = datetime(2026, 3, 7, 13, 30, tzinfo=NY)  # EST; clocks go forward early on Sunday 8 March
    deadline = accept_deadline(store, saturday, 60)
    assert deadline == datetime(2026, 3, 9, 9, 30, tzinfo=NY)  # Monday 09:30 wall clock, now EDT
    assert deadline.astimezone(UTC) == datetime(2026, 3, 9, 13, 30, tzinfo=UTC)
    # A night window across 02:00 -> 03:00 is 3.5 real hours, not 4.5.
    night_owl = clock(hours={6: (time(0, 30), time(5, 0))})
    start = datetime(2026, 3, 8, 0, 30, tzinfo=NY)
    assert accept_deadline(night_owl, start, 240) == datetime(2026, 3, 15, 1, 0, tzinfo=NY)


def test_the_accept_sla_is_the_same_instant_for_a_store_in_another_zone():
    store = clock("America/Los_Angeles", hours=HIGH_STREET)
    start = datetime(2026, 6, 11, 0, 30, tzinfo=UTC)  # Wednesday 17:30 in Los Angeles: closed
    assert accept_deadline(store, start, 30) == datetime(2026, 6, 11, 9, 30, tzinfo=LA)


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        pickup_ready_by(clock(), datetime(2026, 6, 10, 12, 0))


def test_a_store_open_until_23_59_counts_the_accept_sla_through_midnight():
    """A store open "00:00-23:59" every day is open around the clock: a request made at 23:45
    local must be accepted 30 minutes later, at 00:15, not the next morning plus a minute."""
    clock = StoreClock(timezone="America/New_York", hours={day: (time(0, 0), time(23, 59)) for day in range(7)})
    start = datetime(2026, 12, 2, 23, 45, tzinfo=ZoneInfo("America/New_York"))

    deadline = accept_deadline(clock, start, 30)

    assert deadline == datetime(2026, 12, 3, 0, 15, tzinfo=ZoneInfo("America/New_York"))
