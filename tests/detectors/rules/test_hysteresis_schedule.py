"""k-of-n hysteresis and daily time spans."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from detectors.rules.hysteresis import KofN
from detectors.rules.schedule import CHINA, ScheduleError, local_time, parse_spans, zone_for


def test_k_of_n_turns_on_at_k_and_reports_the_edge_once():
    h = KofN(3, 5)
    edges = [h.push(v, i) for i, v in enumerate([True, False, True, False, False, True, True])]
    # i=5: window F,T,F,F,T (2 of 5); i=6: T,F,F,T,T (3 of 5)
    assert edges == [False] * 6 + [True]
    assert h.active and h.started_at == 2  # earliest true still in the window
    assert not h.push(True, 7)  # staying on is no new edge


def test_k_of_n_stays_on_over_odd_frames_and_turns_off_below_k():
    h = KofN(3, 5)
    for i, v in enumerate([True, True, True]):
        h.push(v, i)
    assert h.active
    assert not h.push(False, 3) and h.active  # one odd frame does not clear it
    assert not h.push(True, 4) and h.active  # and its return is no new edge
    h.push(False, 5)  # window T,T,F,T,F: still 3 of 5
    assert h.active
    h.push(False, 6)  # T,F,T,F,F: 2 of 5
    assert not h.active and h.started_at is None
    assert not h.push(True, 7)  # F,T,F,F,T: 2 of 5
    assert h.push(True, 8) and h.started_at == 4  # T,F,F,T,T: a new episode from frame 4


def test_k_of_n_rejects_bad_parameters():
    with pytest.raises(ValueError):
        KofN(0, 3)
    with pytest.raises(ValueError):
        KofN(4, 3)


def test_spans_single_multiple_and_over_midnight():
    hours = parse_spans("06:00-09:00,11:00-20:00")
    assert hours.contains(time(6, 0)) and hours.contains(time(8, 59))
    assert not hours.contains(time(9, 0)) and not hours.contains(time(10, 30))
    assert hours.contains(time(19, 59)) and not hours.contains(time(20, 0))
    night = parse_spans("22:00-05:00")
    assert night.contains(time(22, 0)) and night.contains(time(23, 59)) and night.contains(time(0, 0))
    assert night.contains(time(4, 59)) and not night.contains(time(5, 0)) and not night.contains(time(21, 59))
    assert parse_spans("00:00-24:00").contains(time(23, 59))
    assert parse_spans("6：00～9：00；11:00-13:00").text() == "06:00-09:00,11:00-13:00"
    assert not parse_spans("")


@pytest.mark.parametrize("text", ["06:00", "6-9", "25:00-26:00", "08:00-08:00", "08:60-09:00", "24:00-05:00"])
def test_bad_spans_are_rejected_in_chinese(text):
    with pytest.raises(ScheduleError, match="时段"):
        parse_spans(text)


def test_local_time_needs_an_aware_datetime_and_uses_the_venue_zone():
    utc = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
    assert local_time(utc, zone_for("Asia/Shanghai")) == time(23, 30)
    assert local_time(utc, CHINA) == time(23, 30)
    with pytest.raises(ValueError, match="aware"):
        local_time(datetime(2026, 3, 1, 15, 30), CHINA)
    with pytest.raises(ScheduleError):
        zone_for("Mars/Olympus")
