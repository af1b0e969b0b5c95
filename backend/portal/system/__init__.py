"""App-level endpoints that belong to no domain: /health and /api/v1/config."""
