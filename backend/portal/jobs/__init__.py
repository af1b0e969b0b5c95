"""Jobs: a file, a destination table, the column mappings and the load strategy."""
