"""Stockout days: what sold on a day with no stock is not what customers wanted.

A censored day (the location had no available stock at some point of the day) understates
demand: sales stopped because the shelf was empty. We IMPUTE such days rather than drop them
(the models need an unbroken daily series): a censored day takes the mean of the uncensored
days of the same weekday in the series, or of all uncensored days when that weekday has none.
A series with no uncensored day keeps what it sold (a lower bound is all we know).
"""

from __future__ import annotations

from collections.abc import Sequence

WEEK = 7


def impute_censored(values: Sequence[float], censored: Sequence[bool]) -> list[float]:
    """Replace censored days by the same-weekday mean of uncensored days (see the module docstring).

    A censored day that sold more than the imputed mean keeps what it sold: demand was at least that.
    """
    if len(values) != len(censored):
        raise ValueError("values and censored must have the same length")
    clean = [(i, float(v)) for i, (v, c) in enumerate(zip(values, censored, strict=True)) if not c]
    if not clean:
        return [float(v) for v in values]
    overall = sum(v for _, v in clean) / len(clean)
    by_weekday: dict[int, list[float]] = {}
    for i, v in clean:
        by_weekday.setdefault(i % WEEK, []).append(v)
    out: list[float] = []
    for i, (v, c) in enumerate(zip(values, censored, strict=True)):
        if not c:
            out.append(float(v))
            continue
        same = by_weekday.get(i % WEEK)
        estimate = sum(same) / len(same) if same else overall
        out.append(max(float(v), estimate))
    return out
