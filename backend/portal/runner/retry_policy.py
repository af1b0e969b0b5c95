"""The bridge between a job's retry settings and Airflow task retries (imported by the DAG files only).

A static DAG cannot set `retries` per run, so its task allows up to `MAX_JOB_RETRIES` retries and this
policy decides each failure at runtime from what the runner raised: a transient error of a job with
retries left retries after the job's own `retry_delay_seconds`, a terminal one fails at once. Any other
exception (the task process died, the app database was unreachable) gets Airflow's default retry; the
next attempt then checks the job's retry budget itself (see `portal.runner.job_run`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import Context, RetryDecision, RetryPolicy

from portal.runner.errors import RetryableAttemptError, RunFailedError

# The most retries a job may ask for: the executor tasks' Airflow `retries`. The API validates
# Job.max_retries against it (0..MAX_JOB_RETRIES).
MAX_JOB_RETRIES = 10
# Airflow's own delay before retrying an attempt that ended without telling why (killed, lost).
UNREPORTED_FAILURE_RETRY_DELAY = timedelta(seconds=5)


class JobRetryPolicy(RetryPolicy):
    """Retry a transient failure after the job's delay; fail a terminal one without retrying."""

    def evaluate(
        self,
        exception: BaseException,
        try_number: int,
        max_tries: int,
        context: Context | None = None,
    ) -> RetryDecision:
        if isinstance(exception, RetryableAttemptError):
            delay = timedelta(seconds=exception.retry_delay_seconds)
            return RetryDecision.retry(delay=delay, reason=str(exception))
        if isinstance(exception, RunFailedError):
            return RetryDecision.fail(reason=str(exception))
        return RetryDecision.default()

    def serialize(self) -> dict[str, Any]:
        return {"__type": type(self).__name__}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> JobRetryPolicy:
        return cls()
