"""The person's own MySQL or MariaDB, read-only: schema, EXPLAIN plans and migration risk.

Nothing here imports the driver (PyMySQL) or the SQL parser (sqlglot) at import time: both come
with the optional `mysql` extra and are imported where they are first needed.
"""
