"""One partition of documents_chunk per bot (PostgreSQL LIST partitioning on bot_id).

Every search names one bot, so each bot gets its own heap, HNSW graph and GIN index:
- an HNSW search walks only the bot's graph, so no filter and no iterative scan is needed
  to keep recall (with one shared graph a 2,000-chunk bot among 200,000 lost recall and
  took up to 30 ms: benchmarks/retrieval.py);
- a common word's GIN postings hold only the bot's rows (with one shared GIN it walked
  every bot's postings: ~40 ms on a 20,000-chunk bot);
- a bot's rows sit together on disk, so an exact scan reads its own pages only.
pgvector's README recommends this for filtering on a column with few values per query.

PostgreSQL requires the partition key in every unique constraint, so the primary key is
(id, bot_id); Django still sees `id` as the primary key, and ids stay unique through one
sequence. Partitions are created on a bot's first stored chunk by
kaiu_ensure_chunk_partition() (documents.partitions), which uses CREATE TABLE ... LIKE then
ATTACH PARTITION: that takes a SHARE UPDATE EXCLUSIVE lock on the parent, which does not
block searches or writes, where CREATE TABLE ... PARTITION OF would take ACCESS EXCLUSIVE.

Not reversible in place: the partitioned table behaves as the plain one did.
"""

from django.db import migrations

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION kaiu_chunk_partition_name(bot uuid) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN 'documents_chunk_' || replace(bot::text, '-', '');

CREATE OR REPLACE FUNCTION kaiu_ensure_chunk_partition(bot uuid) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    part text := kaiu_chunk_partition_name(bot);
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN;
    END IF;
    -- Two first stores for one new bot: the second waits here, then finds the table.
    PERFORM pg_advisory_xact_lock(hashtext(part));
    IF to_regclass(part) IS NOT NULL THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE documents_chunk INCLUDING ALL)', part);
    EXECUTE format('ALTER TABLE documents_chunk ATTACH PARTITION %I FOR VALUES IN (%L)', part, bot);
END $$;
"""

CONVERT = r"""
DO $$
DECLARE
    r record;
    columns text;
    index_definitions text[] := '{}';
    foreign_keys text[] := '{}';
    statement text;
BEGIN
    -- Check the (deferred) foreign keys row by row during the copy: indexes cannot be built
    -- on a table with trigger events still pending.
    SET CONSTRAINTS ALL IMMEDIATE;
    ALTER TABLE documents_chunk RENAME TO documents_chunk_old;
    ALTER TABLE documents_chunk_old ALTER COLUMN id DROP IDENTITY;

    -- Index and constraint names are kept: Django's migration state refers to them.
    FOR r IN SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
             FROM pg_index i
             WHERE i.indrelid = 'documents_chunk_old'::regclass
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) LOOP
        index_definitions := index_definitions || replace(r.definition, 'documents_chunk_old', 'documents_chunk');
        EXECUTE format('DROP INDEX %s', r.name);
    END LOOP;
    FOR r IN SELECT conname, contype, pg_get_constraintdef(oid) AS definition
             FROM pg_constraint
             WHERE conrelid = 'documents_chunk_old'::regclass AND contype IN ('p', 'u', 'f') LOOP
        IF r.contype = 'f' THEN
            foreign_keys := foreign_keys || format('ALTER TABLE documents_chunk ADD CONSTRAINT %I %s',
                                                   r.conname, r.definition);
        END IF;
        EXECUTE format('ALTER TABLE documents_chunk_old DROP CONSTRAINT %I', r.conname);
    END LOOP;

    CREATE TABLE documents_chunk (LIKE documents_chunk_old
        INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING STORAGE INCLUDING CONSTRAINTS)
        PARTITION BY LIST (bot_id);
    CREATE SEQUENCE documents_chunk_id_seq OWNED BY documents_chunk.id;
    ALTER TABLE documents_chunk ALTER COLUMN id SET DEFAULT nextval('documents_chunk_id_seq');
    ALTER TABLE documents_chunk ADD CONSTRAINT documents_chunk_pkey PRIMARY KEY (id, bot_id);
    ALTER TABLE documents_chunk ADD CONSTRAINT chunk_unique_passage_per_bot UNIQUE (bot_id, sha256);
    FOREACH statement IN ARRAY foreign_keys LOOP
        EXECUTE statement;
    END LOOP;

    FOR r IN SELECT DISTINCT bot_id FROM documents_chunk_old LOOP
        PERFORM kaiu_ensure_chunk_partition(r.bot_id);
    END LOOP;
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns
    FROM pg_attribute
    WHERE attrelid = 'documents_chunk_old'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
    EXECUTE format('INSERT INTO documents_chunk (%s) SELECT %s FROM documents_chunk_old', columns, columns);
    PERFORM setval('documents_chunk_id_seq', coalesce((SELECT max(id) FROM documents_chunk), 0) + 1, false);
    DROP TABLE documents_chunk_old;

    -- Built after the copy (faster), on the parent: each partition gets its own.
    FOREACH statement IN ARRAY index_definitions LOOP
        EXECUTE statement;
    END LOOP;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_spanish_search_without_fold")]
    operations = [
        migrations.RunSQL(FUNCTIONS, migrations.RunSQL.noop),
        migrations.RunSQL(CONVERT, migrations.RunSQL.noop),
    ]
