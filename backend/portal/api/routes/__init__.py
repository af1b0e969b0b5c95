"""One module per resource; each exposes `router`, included by `portal.main.create_app`."""
