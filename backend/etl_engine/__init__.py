"""The pure ETL engine: CSV in, typed batches through transforms, atomic loads out."""
