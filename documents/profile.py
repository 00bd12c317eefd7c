"""What the search knows of a bot before it searches: how many passages it has and how many
of them hold each of its frequent terms (documents.relevance weighs a question's terms by
it), and its common terms (documents.search_sql looks for partial matches among the rare
ones first). Read from a sample of the bot's passages, kept per process."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from django.db import connection

from kaiu.local_cache import LocalCache


@dataclass(frozen=True)
class BotProfile:
    chunks: int
    common_terms: list[str]
    sample: int = 0  # passages the term counts come from
    term_passages: dict = field(default_factory=dict)  # {lexeme: passages of the sample holding it}

    @functools.cached_property
    def common_terms_array(self) -> str:
        """common_terms as a PostgreSQL array literal, written once per profile: adapting
        a list of a few hundred terms for every search took about 0.5 ms of Python."""
        return "{" + ",".join('"' + term.replace("\\", "\\\\").replace('"', '\\"') + '"'
                              for term in self.common_terms) + "}"


COMMON_TERM_SHARE = 0.05
PROFILE_MIN_CHUNKS = 500  # smaller bots have no common terms: finding every match is cheap there
PROFILE_SAMPLE = 2000  # passages sampled for term frequencies
PROFILE_TERMS = 5000  # the most frequent terms kept per bot; any other is rare (documents.relevance)
# Per process, under the bot's knowledge version: a change of its passages is a new key, so
# an entry cannot go stale and is kept an hour (a profile of a large bot takes ~50 ms).
_profiles: LocalCache[BotProfile] = LocalCache("bot search profiles", max_entries=500, seconds=3600)


def bot_profile(bot) -> BotProfile:
    """The bot's passage count, how many passages hold each of its frequent terms, and its
    common search terms, from a sample of its passages (kept per process, see kaiu.local_cache)."""
    return _profiles.get_or_load((bot.pk, bot.knowledge_version), lambda: _bot_profile_load(bot.pk))


def _bot_profile_load(bot_id) -> BotProfile:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM documents_chunk WHERE bot_id = %s AND is_enabled", [bot_id])
        [chunks] = cursor.fetchone()
        if not chunks:
            return BotProfile(chunks=0, common_terms=[])
        sample = min(chunks, PROFILE_SAMPLE)
        # Every n-th passage in the order they were added, so each document counts in
        # proportion to its size: the first rows alone were the first documents, and in a
        # bot larger than the sample a term of its last document looked absent (weight 1).
        stride = -(-chunks // sample)
        cursor.execute(
            "SELECT word, ndoc FROM ts_stat(format('SELECT search_vector FROM (SELECT search_vector, "
            "row_number() OVER (ORDER BY id) AS n FROM documents_chunk WHERE bot_id = %%L AND is_enabled) passages "
            "WHERE mod(n, %%s) = 0', %s::uuid, %s)) ORDER BY ndoc DESC, word LIMIT %s",
            [bot_id, stride, PROFILE_TERMS])
        sample = chunks // stride
        term_passages = dict(cursor.fetchall())
    common = []
    if chunks > PROFILE_MIN_CHUNKS:
        common = sorted(word for word, ndoc in term_passages.items() if ndoc > COMMON_TERM_SHARE * sample)
    return BotProfile(chunks=chunks, common_terms=common, sample=sample, term_passages=term_passages)
