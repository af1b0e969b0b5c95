"""Writers: one module per destination kind, all meeting the contract in base.py.

The SQL family (sql.py: staging table, one final transaction, the `_etl_loads` ledger) holds
postgres, redshift, duckdb and snowflake; the object-store family holds s3 (run-scoped temporary
files, published with a `_SUCCESS` manifest, a ledger object). See docs/destinations.md.
"""
