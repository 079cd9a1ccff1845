"""The dates of an edition: SOURCE_DATE_EPOCH, the day it is built, a review some months on."""

from __future__ import annotations

import calendar
import os
from datetime import UTC, date, datetime, time, timedelta

EARLIEST_ISSUE = date(1980, 1, 1)  # ZIP, and so every Office file, cannot date a file earlier
MAX_DAYS_AHEAD = 366  # an issue date may be set ahead for a policy approved now and effective later


def source_date_epoch() -> datetime | None:
    """Return SOURCE_DATE_EPOCH as a UTC time, or None when it is unset; ValueError when it is not a number."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    try:
        return datetime.fromtimestamp(int(epoch), UTC)
    except ValueError:
        raise ValueError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds; unset it or fix it") from None


def build_day() -> date:
    """Return the day (UTC) a build made now is dated: SOURCE_DATE_EPOCH's when set."""
    return (source_date_epoch() or datetime.now(UTC)).date()


def midnight(day: date) -> datetime:
    """Return the start of a day in UTC: the build time of an edition dated that day."""
    return datetime.combine(day, time(), UTC)


def add_months(day: date, months: int) -> date:
    """Return the same day `months` later, or the month's last day when it is shorter."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def issue_date_problem(day: date, today: date) -> str | None:
    """Say what is wrong with an edition's issue date, given the day it is built, or return None."""
    if day < EARLIEST_ISSUE:
        return f"{day.isoformat()} is before {EARLIEST_ISSUE.isoformat()}, which Office files cannot carry; fix it"
    if day > today + timedelta(days=MAX_DAYS_AHEAD):
        return (
            f"{day.isoformat()} is more than a year after today ({today.isoformat()}); "
            "give the date the policy takes effect"
        )
    return None
