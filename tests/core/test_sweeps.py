"""A sweep acts on every due item even when one of them fails."""

from __future__ import annotations

import logging

import pytest

from core.sweeps import sweep_each


def test_one_failing_item_is_logged_and_the_others_are_still_done(caplog: pytest.LogCaptureFixture) -> None:
    def expire(item: int) -> bool:
        if item == 2:
            raise RuntimeError("a broken row")
        return item != 3  # 3 was already handled by someone else: nothing to do

    with caplog.at_level(logging.ERROR, logger="core.sweeps"):
        done = sweep_each([1, 2, 3, 4], expire, failure="Could not expire pickup %s.")

    assert done == [1, 4]
    assert [record.getMessage() for record in caplog.records] == ["Could not expire pickup 2."]
