"""A passage's heading (metadata "heading": a Markdown section's title, a JSON list's key) is
searched with its text: the generated search_vector becomes kaiu_search_vector(language,
text, heading), which prepends the heading unless the text already holds it. The column is
dropped and added again (PostgreSQL cannot change a generated column's expression before
version 17), which recomputes it for every stored passage; its GIN index is rebuilt."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.fields.json
from django.db import migrations, models

import documents.models

FORWARD = r"""
CREATE OR REPLACE FUNCTION kaiu_search_vector(language text, body text, heading text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN kaiu_search_vector(language, CASE WHEN coalesce(heading, '') = '' OR strpos(body, heading) > 0
                                             THEN body ELSE heading || E'\n\n' || body END);
"""

BACKWARD = "DROP FUNCTION IF EXISTS kaiu_search_vector(text, text, text);"


def _search_vector(*arguments):
    return models.GeneratedField(db_persist=True, expression=documents.models.ChunkSearchVector(*arguments),
                                 output_field=django.contrib.postgres.search.SearchVectorField())


class Migration(migrations.Migration):
    dependencies = [("documents", "0008_document_permanent_failure")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RemoveIndex(model_name="chunk", name="chunk_search_vector_gin"),
        migrations.RemoveField(model_name="chunk", name="search_vector"),
        migrations.AddField(
            model_name="chunk", name="search_vector",
            field=_search_vector(models.F("language"), models.F("text"),
                                 django.db.models.fields.json.KT("metadata__heading"))),
        migrations.AddIndex(model_name="chunk", index=django.contrib.postgres.indexes.GinIndex(
            fields=["search_vector"], name="chunk_search_vector_gin")),
    ]
