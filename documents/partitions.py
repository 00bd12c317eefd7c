"""documents_chunk has one partition per bot (see migration 0003 for why and how).

A bot's partition is created by its first stored chunk and dropped after the bot is
deleted. Every statement on chunks should name the bot, so PostgreSQL reads that bot's
partition only.
"""

from __future__ import annotations

import logging
import uuid

from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)


def chunk_partition_name(bot_id) -> str:
    """The bot's partition, as kaiu_chunk_partition_name() names it in SQL."""
    return f"documents_chunk_{uuid.UUID(str(bot_id)).hex}"


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
            cursor.execute(f'DROP TABLE IF EXISTS "{chunk_partition_name(bot_id)}"')
        return True
    except DatabaseError as error:
        logger.warning("Could not drop chunk partition of bot %s: %s", bot_id, error)
        return False


VECTOR_INDEX = "chunk_embedding_hnsw"
HNSW_METHOD = "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"


def vector_index_build(*, workers: int = 1) -> int:
    """(Re)build the HNSW index after a bulk load, `workers` partitions at a time.

    The index is created on the parent alone, then on each partition that lacks it and
    attached as it finishes. pgvector builds a small partition's graph in one process, so a
    plain recursive CREATE INDEX would use one core for all 100 bots of a large re-index;
    building several partitions at once is what uses the machine. Returns the partitions built."""
    from concurrent.futures import ProcessPoolExecutor

    from django.db import connections

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {VECTOR_INDEX} ON ONLY documents_chunk {HNSW_METHOD}")
        cursor.execute(
            """SELECT child.relname FROM pg_inherits i JOIN pg_class child ON child.oid = i.inhrelid
               WHERE i.inhparent = 'documents_chunk'::regclass
                 AND NOT EXISTS (SELECT 1 FROM pg_inherits ii
                                 WHERE ii.inhparent = %s::regclass AND ii.inhrelid IN (
                                     SELECT indexrelid FROM pg_index WHERE indrelid = i.inhrelid))
               ORDER BY pg_relation_size(child.oid) DESC""", [VECTOR_INDEX])
        partitions = [row[0] for row in cursor.fetchall()]
    if workers <= 1 or len(partitions) <= 1:
        for partition in partitions:
            _build_partition_index(partition)
    else:
        connections.close_all()  # children open connections of their own
        with ProcessPoolExecutor(max_workers=workers, initializer=connections.close_all) as pool:
            list(pool.map(_build_partition_index, partitions))
    return len(partitions)


PARALLEL_BUILD_MIN_ROWS = 50_000


def _build_partition_index(partition: str) -> None:
    index = f"{partition}_hnsw"
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM (SELECT 1 FROM "{partition}" LIMIT {PARALLEL_BUILD_MIN_ROWS}) rows')
        if cursor.fetchone()[0] < PARALLEL_BUILD_MIN_ROWS:
            # A parallel build sets up shared memory the size of maintenance_work_mem (2 GB
            # here) before it starts: for one bot's few thousand chunks that costs more than
            # the graph. Small partitions build in their own process, several at a time.
            cursor.execute("SET max_parallel_maintenance_workers = 0")
            cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute(f'CREATE INDEX IF NOT EXISTS "{index}" ON "{partition}" {HNSW_METHOD}')
        cursor.execute(f'ALTER INDEX {VECTOR_INDEX} ATTACH PARTITION "{index}"')
        cursor.execute("RESET max_parallel_maintenance_workers")
        cursor.execute("RESET maintenance_work_mem")
