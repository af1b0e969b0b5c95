"""Column transforms and calculated columns, applied to whole Arrow arrays."""
