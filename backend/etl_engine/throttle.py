"""A cap on a load's rows per second, enforced between batches.

    throttle = Throttle(spec.load.max_rows_per_second, reporter.cancelled)
    for batch in reader:
        ...
        throttle.wait(rows_read_so_far)   # returns at once without a cap

After `wait(n)` the run is at least `n / cap` seconds old (measured on the monotonic clock from the
throttle's creation), so the cap holds over the whole run, not per batch: a slow batch is not
followed by a needless sleep. Waits are cut in short slices so a cancel is seen within one slice.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .errors import RunCancelled

# How often a throttled run looks at `cancelled` while it waits (the runner's own check is cheaper
# than this: it queries the app database at most every half second).
WAIT_SLICE_SECONDS = 0.1


class Throttle:
    def __init__(
        self,
        max_rows_per_second: int | None,
        cancelled: Callable[[], bool],
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.cap = max_rows_per_second
        self._cancelled = cancelled
        self._clock = clock
        self._sleep = sleep
        self._started = clock()

    def wait(self, rows: int) -> None:
        """Sleep until `rows` rows fit under the cap; raise RunCancelled if cancelled meanwhile."""
        if self.cap is None:
            return
        due = self._started + rows / self.cap
        while (remaining := due - self._clock()) > 0:
            if self._cancelled():
                raise RunCancelled("the run was cancelled; nothing was loaded")
            self._sleep(min(remaining, WAIT_SLICE_SECONDS))
