"""The dashboard: runs by status, recent and running runs, rows loaded per day."""
