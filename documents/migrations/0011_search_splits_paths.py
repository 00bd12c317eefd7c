"""A path is searched by its parts: "/etc/apt/sources.list" was one search term, so neither
"sources.list" nor a question's "debian/watch" found a passage about "the watch file". A
slash now separates words, in passages and questions alike (kaiu_search_vector and
kaiu_search_text), and every stored passage's search vector is recomputed."""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION kaiu_search_vector(language text, body text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN language = 'en'
                THEN to_tsvector('english'::regconfig, kaiu_fold(replace(coalesce(body, ''), '/', ' ')))
                ELSE to_tsvector('spanish'::regconfig, replace(coalesce(body, ''), '/', ' ')) END;

CREATE OR REPLACE FUNCTION kaiu_search_text(language text, body text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN replace(CASE WHEN language = 'en' THEN kaiu_fold(body) ELSE body END, '/', ' ');

UPDATE documents_chunk SET language = language;
"""

BACKWARD = r"""
CREATE OR REPLACE FUNCTION kaiu_search_vector(language text, body text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN language = 'en'
                THEN to_tsvector('english'::regconfig, kaiu_fold(coalesce(body, '')))
                ELSE to_tsvector('spanish'::regconfig, coalesce(body, '')) END;

CREATE OR REPLACE FUNCTION kaiu_search_text(language text, body text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN language = 'en' THEN kaiu_fold(body) ELSE body END;

UPDATE documents_chunk SET language = language;
"""


class Migration(migrations.Migration):
    dependencies = [("documents", "0010_analytics")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
