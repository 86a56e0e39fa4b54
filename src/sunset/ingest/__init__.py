"""Bulk import of operators' exports (CSV in UTF-8 or GBK, Parquet): all rows or none."""
