"""Cross-cutting pieces: settings, logging, error handling, credential encryption, background tasks."""
