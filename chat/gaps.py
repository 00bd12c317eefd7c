"""Knowledge gaps: the questions a bot did not answer (or answered from weak passages),
grouped so forty ways of asking the same thing are one row, and fixed in one step.

Bounded whatever the data size: SQL takes the range's newest MAX_ROWS such questions not yet
fixed, groups them by a normalised key (lower case, accents and punctuation gone) and returns the MAX_KEYS
most asked keys; Python then merges keys that share most of their informative words
(character trigrams of the words, so "envíos"/"envían" and typos meet) over those few hundred
keys only. A fixed gap is remembered per key (GapFix): its questions asked before the fix
leave the list, and the curated answer makes the next ones answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from bots.models import Bot
from chat.analytics import LOW_CONFIDENCE, Period
from chat.curated import curated_answer_create
from chat.models import CuratedAnswer, GapFix
from chat.texts import ChatError

# The range's newest open gap questions read: a fixed number, so the page costs the same
# whatever the volume (benchmarks/analytics.py); a busier range shows the gaps of its newest
# MAX_ROWS such questions, and counts within them (README "Analytics").
MAX_ROWS = 200
MAX_KEYS = 300  # distinct normalised questions merged in Python
SIMILAR = 0.5  # trigram overlap (Jaccard) of two questions' informative words to be one gap

# The key, in SQL: what is left of a question once case, accents and punctuation are gone.
KEY_SQL = ("left(btrim(regexp_replace(translate(lower({column}), 'áàâäãéèêëíìîïóòôöõúùûüñç', "
           "'aaaaaeeeeiiiiooooouuuunc'), '[^a-z0-9]+', ' ', 'g')), 200)")

STOP_WORDS = frozenset("""
a al algo alguien como con cual cuales cuando de del donde el ella en es esta estan este esto favor gracias
hay hola la las le les lo los me mi mis muy nos o para pero por porfa puede pueden puedo que quien quiero saber
se ser si sin son su sus te tengo tiene tienen tu tus un una uno unos unas usted ustedes y ya hacen hace
buenas buenos dias tardes noches necesito ayuda hasta desde sobre entre otra vez
about an and are at be can could do does for from have has hello hi how i in is it me my of on or our please
the there to we what when where which who why with would you your
""".split())


@dataclass
class Gap:
    bot_id: str
    key: str  # the most asked phrasing's key
    count: int = 0
    last_asked: datetime | None = None
    unanswered: int = 0  # the rest were answered from weak passages
    # {"key", "question", "count"}, most asked first; each key's longest wording (accents and
    # question marks kept) stands for it
    phrasings: list[dict] = field(default_factory=list)
    bot: Bot | None = None

    @property
    def question(self) -> str:
        return self.phrasings[0]["question"]

    @property
    def keys(self) -> list[str]:
        return [p["key"] for p in self.phrasings]


def _key_rows(tenant, period: Period, bot) -> list[tuple]:
    bot_sql, bot_params = ("AND q.bot_id = %s", [bot.pk]) if bot is not None else ("", [])
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH recent AS (
                    SELECT q.bot_id, q.question, q.created_at, q.answered, {KEY_SQL.format(column="q.question")} AS key
                    FROM chat_querylog q
                    WHERE q.tenant_id = %s AND q.created_at >= %s AND q.created_at < %s {bot_sql}
                      AND q.origin <> 'error'
                      AND (NOT q.answered OR (q.origin IN ('model', 'fallback') AND q.top_score < %s))
                      AND NOT EXISTS (SELECT 1 FROM chat_gapfix f WHERE f.bot_id = q.bot_id
                                      AND f.key = {KEY_SQL.format(column="q.question")}
                                      AND q.created_at <= f.fixed_at)
                    ORDER BY q.created_at DESC LIMIT %s)
                SELECT r.bot_id, r.key, count(*), max(r.created_at),
                       (array_agg(r.question ORDER BY length(r.question) DESC))[1],
                       count(*) FILTER (WHERE NOT r.answered)
                FROM recent r
                WHERE r.key <> ''
                GROUP BY r.bot_id, r.key
                ORDER BY count(*) DESC, max(r.created_at) DESC LIMIT %s""",
            [tenant.pk, period.start, period.end, *bot_params, LOW_CONFIDENCE, MAX_ROWS, MAX_KEYS])
        return cursor.fetchall()


def _trigrams(key: str) -> frozenset[str]:
    words = [w for w in key.split() if w not in STOP_WORDS and (len(w) > 2 or w.isdigit())] or key.split()
    return frozenset(padded[i:i + 3] for w in words for padded in [f" {w} "] for i in range(len(padded) - 2))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def gap_list(tenant, period: Period, *, bot=None) -> list[Gap]:
    """The range's gaps, most asked first: two statements (the keys, then their bots)."""
    gaps: list[tuple[frozenset, Gap]] = []
    by_gram: dict[tuple, list[int]] = {}  # (bot, trigram) → the gaps whose leader has it
    for bot_id, key, count, last_asked, question, unanswered in _key_rows(tenant, period, bot):
        grams = _trigrams(key)
        # Most asked first, so each gap is led by its commonest phrasing and a key joins the
        # gap whose leader it is most like, among those sharing a trigram with it at least.
        candidates = {n for gram in grams for n in by_gram.get((bot_id, gram), ())}
        best = max(((similarity(grams, gaps[n][0]), gaps[n][1]) for n in candidates),
                   default=(0.0, None), key=lambda pair: pair[0])
        gap = best[1] if best[0] >= SIMILAR else None
        if gap is None:
            gap = Gap(bot_id=bot_id, key=key)
            for gram in grams:
                by_gram.setdefault((bot_id, gram), []).append(len(gaps))
            gaps.append((grams, gap))
        gap.count += count
        gap.unanswered += unanswered
        gap.last_asked = max(filter(None, [gap.last_asked, last_asked]))
        gap.phrasings.append({"key": key, "question": question, "count": count})
    bots = Bot.objects.in_bulk({gap.bot_id for _, gap in gaps})
    result = [gap for _, gap in gaps]
    for gap in result:
        gap.bot = bots.get(gap.bot_id)
    return sorted(result, key=lambda g: (-g.count, -(g.last_asked.timestamp() if g.last_asked else 0)))


def gap_fix(*, bot: Bot, keys: list[str], question: str, answer: str, user=None) -> CuratedAnswer:
    """Answer a gap: a curated answer for its question (so the next such question gets it) and
    the gap's phrasings marked fixed now (so the gap leaves the list), in one transaction."""
    keys = sorted({k.strip()[:200] for k in keys if k and k.strip()})[:MAX_KEYS]
    if not keys:
        raise ChatError("invalid", "This gap has no questions left to answer.")
    with transaction.atomic():
        curated = curated_answer_create(bot=bot, question=question, answer=answer, user=user)
        now = timezone.now()
        GapFix.objects.bulk_create(
            [GapFix(tenant_id=bot.tenant_id, bot=bot, key=key, curated_answer=curated, fixed_at=now) for key in keys],
            update_conflicts=True, unique_fields=["bot", "key"], update_fields=["curated_answer", "fixed_at"])
    return curated
