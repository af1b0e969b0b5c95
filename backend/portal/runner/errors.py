"""How an attempt ended when it did not succeed; the Airflow task turns these into retry or fail.

Both carry a message meant for people: it is what the run's `error_message` and the Airflow task log show.
"""

from __future__ import annotations


class RetryableAttemptError(Exception):
    """This attempt failed for a transient reason and the job has retries left: retry after a delay."""

    def __init__(self, message: str, *, retry_delay_seconds: float) -> None:
        super().__init__(message)
        self.retry_delay_seconds = retry_delay_seconds


class RunFailedError(Exception):
    """The run is over without success (failed, cancelled, retries exhausted): do not retry."""
