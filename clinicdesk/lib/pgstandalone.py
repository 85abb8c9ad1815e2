"""A hot write on PostgreSQL that opens and closes its own transaction within its own queries.

Django's ``atomic`` sends ``BEGIN`` and ``COMMIT`` as queries of their own: two of a short write's four round
trips. Django's psycopg cursor binds parameters on the client side, so several statements go as one query; a
write that is not part of a larger transaction can then send ``BEGIN`` with its first statements and ``COMMIT``
with its last (a booking, ``scheduling.pgbooking``).

Django's transaction bookkeeping does not see such a transaction, so nothing between its queries may use the
connection for anything else, and any failure must end it with ``rollback()`` before the exception goes on.
"""

from __future__ import annotations

from django.db import connection


def standalone() -> bool:
    """Whether a write may open and close its own transaction within its queries: PostgreSQL with Django's
    client-side-binding cursor, autocommit on, no ``atomic`` block open and no transaction on the connection."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    from psycopg import ClientCursor
    from psycopg.pq import TransactionStatus

    connection.ensure_connection()
    raw = connection.connection
    return (connection.get_autocommit() and issubclass(raw.cursor_factory, ClientCursor)
            and raw.info.transaction_status == TransactionStatus.IDLE)


def rollback() -> None:
    """End the transaction the write opened. A connection that cannot take the ROLLBACK is closed: the server
    ends the transaction with it, and Django opens a new one on next use."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("ROLLBACK")
    except Exception:
        connection.close()
