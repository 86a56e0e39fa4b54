"""Several PostgreSQL servers: the local networks placed on data servers, read by the
coordinator through postgres_fdw partitions, written by the batch jobs on each server."""
