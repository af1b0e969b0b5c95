"""Metrics the backend observes in-process (the rest are read from the database at scrape time:
system/metrics.py, which serves `/metrics`)."""

from __future__ import annotations

from prometheus_client import Histogram

# Observed around the backend's trigger call (runs/service.py); one per process, registered in
# every app's registry.
AIRFLOW_TRIGGER_SECONDS = Histogram(
    "portal_airflow_trigger_seconds",
    "Time the backend's call to Airflow to start a DAG run took",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=None,
)
