"""The suite is run twice by ``make test``: on the real clock, and with libfaketime moving the clock to another
month, year and time zone. This file makes sure the second run really is shifted, so it cannot pass by accident."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest

SHIFTED = os.environ.get("MODERATION_TEST_SHIFTED_DATE")


@pytest.mark.skipif(not SHIFTED, reason="the suite runs on the real clock (MODERATION_TEST_SHIFTED_DATE unset)")
def test_the_shifted_run_sees_the_shifted_date_and_a_running_clock():
    """Under faketime the date is the one asked for, and the clock still advances (timeouts and polling work)."""
    assert dt.datetime.now(dt.timezone.utc).date().isoformat() == SHIFTED
    start = time.monotonic()
    time.sleep(0.05)
    assert time.monotonic() > start
