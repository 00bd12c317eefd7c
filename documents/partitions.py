"""documents_chunk has one partition per bot (see migration 0003 for why and how).

A bot's partition is created by its first stored chunk and dropped after the bot is
deleted. Every statement on chunks should name the bot, so PostgreSQL reads that bot's
partition only.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)


def ensure_chunk_partition(bot_id) -> None:
    """Create the bot's partition if it has none yet (a catalog lookup when it has)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT kaiu_ensure_chunk_partition(%s)", [bot_id])


def chunk_partition_exists(bot_id) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(kaiu_chunk_partition_name(%s)) IS NOT NULL", [bot_id])
        return cursor.fetchone()[0]


def drop_chunk_partition(bot_id) -> bool:
    """Drop a deleted bot's (by then empty) partition. Dropping a partition locks the parent
    table, so this waits at most a second for running statements and otherwise leaves the
    empty table for a later call: best effort, never in anyone's way."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '1s'")
            cursor.execute("SELECT kaiu_chunk_partition_name(%s)", [bot_id])
            [name] = cursor.fetchone()
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
        return True
    except DatabaseError as error:
        logger.warning("Could not drop chunk partition of bot %s: %s", bot_id, error)
        return False
