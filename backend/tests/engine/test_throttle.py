"""`LoadSpec.max_rows_per_second`: a capped load takes at least rows / cap seconds, an uncapped one
never waits, and a cancel is honoured while a capped load waits."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

import etl_engine as e
from etl_engine.throttle import WAIT_SLICE_SECONDS, Throttle

from .conftest import RecordingReporter, table_exists


class FakeClock:
    """A monotonic clock that moves only when the throttle sleeps (or a test says so)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def never_sleep(seconds: float) -> None:
    raise AssertionError(f"an uncapped load slept {seconds} s")


def test_an_uncapped_throttle_never_sleeps() -> None:
    throttle = Throttle(None, lambda: False, sleep=never_sleep)
    for rows in (1, 10**6, 10**12):
        throttle.wait(rows)


def test_a_capped_throttle_waits_until_the_rows_fit_under_the_cap_in_short_slices() -> None:
    clock = FakeClock()
    throttle = Throttle(100, lambda: False, clock=clock, sleep=clock.sleep)
    throttle.wait(250)
    assert clock.now - 100.0 == pytest.approx(2.5)
    assert max(clock.sleeps) <= WAIT_SLICE_SECONDS


def test_a_batch_slower_than_the_cap_is_not_followed_by_a_sleep() -> None:
    clock = FakeClock()
    throttle = Throttle(1000, lambda: False, clock=clock, sleep=never_sleep)
    clock.now += 2.0  # the first 1,500 rows took 2 s: already under 1,000 rows/s
    throttle.wait(1500)


def test_a_cancel_during_a_throttle_wait_stops_within_one_slice() -> None:
    clock = FakeClock()
    checks: list[float] = []

    def cancelled() -> bool:
        checks.append(clock.now)
        return len(checks) > 3

    throttle = Throttle(1, cancelled, clock=clock, sleep=clock.sleep)
    with pytest.raises(e.RunCancelled):
        throttle.wait(3600)
    assert clock.now - 100.0 == pytest.approx(3 * WAIT_SLICE_SECONDS)


def test_a_capped_load_takes_at_least_rows_over_cap_seconds(
    pg_config: e.DestinationConfig,
    write_csv: Callable[..., Path],
    make_spec: Callable[..., e.JobSpec],
    reporter: RecordingReporter,
) -> None:
    rows, cap = 3000, 2000
    path = write_csv("id,name\n" + "".join(f"{i},n{i}\n" for i in range(rows)))
    spec = make_spec(path, pg_config, batch_size=500, max_rows_per_second=cap)
    started = time.monotonic()
    result = e.run_job(spec, reporter)
    elapsed = time.monotonic() - started
    assert result.rows_loaded == rows
    assert elapsed >= rows / cap * 0.9
    # The rate the run reports while it goes stays near the cap too (it is what the UI shows).
    assert all(p.rows_per_second <= cap for p in reporter.progress_seen)


class CancelOnSecondCheck(RecordingReporter):
    """Not cancelled when the first batch starts, cancelled at the next look (the throttle's)."""

    checks: int = 0

    def cancelled(self) -> bool:
        self.checks += 1
        return self.checks >= 2


@pytest.mark.timeout(120)  # a throttle deaf to the cancel would sit out the whole wait
def test_a_cancel_while_a_capped_load_waits_is_honoured_and_loads_nothing(
    duckdb_config: e.DestinationConfig,
    write_csv: Callable[..., Path],
    make_spec: Callable[..., e.JobSpec],
) -> None:
    # One batch of 1,000 rows at 1 row/s: the load would wait ~17 minutes after its only batch.
    path = write_csv("id\n" + "".join(f"{i}\n" for i in range(1000)))
    spec = make_spec(path, duckdb_config, max_rows_per_second=1)
    with pytest.raises(e.RunCancelled):
        e.run_job(spec, CancelOnSecondCheck())
    assert not table_exists(duckdb_config, "target")


@pytest.mark.parametrize("cap", [0, -5])
def test_a_cap_that_is_not_positive_is_an_invalid_spec(
    cap: int,
    duckdb_config: e.DestinationConfig,
    write_csv: Callable[..., Path],
    make_spec: Callable[..., e.JobSpec],
    reporter: RecordingReporter,
) -> None:
    spec = make_spec(write_csv("id\n1\n"), duckdb_config, max_rows_per_second=cap)
    with pytest.raises(e.InvalidJobSpec, match="max_rows_per_second"):
        e.run_job(spec, reporter)
