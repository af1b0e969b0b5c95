"""Notifications: channels (signed webhooks, Slack-compatible webhooks, email), per-job
subscriptions to run events, and an outbox of deliveries sent with retries by a loop in the API
process (`delivery.py`)."""
