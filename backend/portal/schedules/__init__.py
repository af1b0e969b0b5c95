"""Schedules: cron schedules and their per-schedule Airflow DAGs."""
