"""App database: declarative base, async sessions for the API, a sync engine for the runner."""
