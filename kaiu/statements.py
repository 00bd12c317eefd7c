"""Several writes in one SQL statement, for the hot paths that measured the round trips.

A chat answer writes its message, its QueryLog row, the cache entry, the retrieval counts
and the conversation's counters. As ORM calls in a transaction they were a quarter of an
answer's Python time and six round trips (benchmarks/chat.py); as data-modifying CTEs of one
statement they are one round trip and one transaction, since PostgreSQL runs every CTE.

A write is a `(sql, params)` pair:
- `insert_statement(instance)` writes a model instance with the values `save()` would
  (defaults, `auto_now`/`auto_now_add`, JSON prepared by the field), leaving out what the
  database fills in (ids, generated columns). It skips `save()` itself: no signals, and
  `instance._state` is the caller's to update once the statement ran (`mark_saved`).
- `with_clause(writes)` joins writes into the body of a `WITH` clause.
An app never writes another app's table name: it asks the owning app for the statement
(documents.search.retrievals_record_statement, kaiu.accounts.quotas.quota_take_statement).
"""

from __future__ import annotations

import functools

from django.db import connection


def insert_statement(instance, *, only_if: str = "true") -> tuple[str, list]:
    """An INSERT of `instance`, run only when the SQL condition `only_if` holds there."""
    fields, sql = _insert_template(type(instance), only_if)
    return sql, [field.get_db_prep_save(field.pre_save(instance, add=True), connection) for field in fields]


@functools.cache
def _insert_template(model, only_if: str) -> tuple[list, str]:
    fields = [field for field in model._meta.concrete_fields if not field.db_returning]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    return fields, f"INSERT INTO {model._meta.db_table} ({columns}) SELECT {placeholders} WHERE {only_if}"


def with_clause(writes: list[tuple[str, list]]) -> tuple[str, list]:
    """Statements and their parameters as the body of a WITH clause (`write_0 AS (...), ...`)."""
    return (", ".join(f"write_{n} AS ({sql})" for n, (sql, _) in enumerate(writes)),
            [value for _, values in writes for value in values])


def mark_saved(instance) -> None:
    """Tell Django that `instance`, written by a statement of ours, is now a stored row."""
    instance._state.adding, instance._state.db = False, connection.alias
