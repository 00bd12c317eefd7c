"""Spanish full text without kaiu_fold: the Spanish stemmer strips acute accents itself
("envío" and "envio" both become "envi"), and translate() on every chunk cost ~27% of a
bulk load (benchmarks/ingest.py). English still folds, since its stemmer keeps accents.
Stored search vectors are recomputed so old and new rows agree."""

from django.db import migrations

FORWARD = r"""
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

BACKWARD = r"""
CREATE OR REPLACE FUNCTION kaiu_search_vector(language text, body text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN to_tsvector(kaiu_ts_config(language), kaiu_fold(coalesce(body, '')));
DROP FUNCTION IF EXISTS kaiu_search_text(text, text);
UPDATE documents_chunk SET language = language;
"""


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
