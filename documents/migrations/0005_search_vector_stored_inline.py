"""Keep each chunk's search_vector in its row (STORAGE MAIN) instead of the TOAST table.

A chunk row holds its embedding uncompressed (3 KB at 768 dimensions), so PostgreSQL moved
the tsvector (about 1 KB, which does not compress) out of line, and keyword search read it
back from TOAST for every candidate it scored, twice: a third of the hybrid search's
PostgreSQL time on a 20,000-chunk bot (7.8 -> 6.3 ms). MAIN keeps it in the row unless the
row would not fit a page. The heap is about twice as large (one chunk a page), while the
TOAST table holds nothing but long texts.

New partitions copy the setting (CREATE TABLE ... LIKE ... INCLUDING ALL). Rows written
before this migration keep their layout until they are written again, as `manage.py
reindex` does.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0004_drop_indexes_covered_by_composites"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE documents_chunk ALTER COLUMN search_vector SET STORAGE MAIN",
            reverse_sql="ALTER TABLE documents_chunk ALTER COLUMN search_vector SET STORAGE EXTENDED",
        ),
    ]
