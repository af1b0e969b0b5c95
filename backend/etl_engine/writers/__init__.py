"""Writers: staging, one final transaction, the `_etl_loads` ledger. One module per destination."""
