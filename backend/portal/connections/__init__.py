"""Destinations: stored credentials and browsing the databases behind them."""
