"""Readers: generators of Arrow record batches that never hold a whole file."""
