"""CSV exports of questions and conversations, streamed row by row from one query each.

A cell a visitor wrote is data, never a formula: spreadsheet programs run a cell starting with
=, +, - or @ (and some a tab or carriage return first), so such a cell gets a leading
apostrophe (OWASP's "CSV injection" advice). Numbers we computed are written as numbers.
"""

from __future__ import annotations

import csv
import zoneinfo
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

from chat.analytics import Period
from chat.models import QueryLog

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

QUESTION_COLUMNS = ["asked_at", "bot", "channel", "question", "answer", "answered", "origin", "top_score",
                    "sources", "feedback", "feedback_comment", "model", "tokens_in", "tokens_out", "total_ms",
                    "reason", "error", "conversation_id"]
CONVERSATION_COLUMNS = ["started_at", "last_activity", "bot", "channel", "first_question", "messages", "status",
                        "handover_reason", "conversation_id"]


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return "" if value is None else value


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, columns: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(columns)  # the BOM makes Excel read UTF-8
        for row in rows:
            yield writer.writerow([safe_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _local(moment, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def question_rows(tenant, period: Period, *, bot=None) -> Iterator[list]:
    """The range's questions, oldest first, with their answers, sources and feedback."""
    zone = zoneinfo.ZoneInfo(period.zone)
    rows = (QueryLog.objects.filter(tenant=tenant, created_at__gte=period.start, created_at__lt=period.end)
            .select_related("bot", "message", "message__feedback").order_by("created_at", "pk"))
    if bot is not None:
        rows = rows.filter(bot=bot)
    for log in rows.iterator(chunk_size=2000):
        message = log.message
        feedback = getattr(message, "feedback", None) if message else None
        sources = "; ".join(dict.fromkeys(s.get("document_name", "") for s in (message.sources if message else [])
                                          if isinstance(s, dict)))
        yield [_local(log.created_at, zone), log.bot.name, log.channel, log.question,
               message.content if message else "", "yes" if log.answered else "no", log.origin,
               "" if log.top_score is None else round(log.top_score, 4), sources,
               feedback.rating if feedback else "", feedback.comment if feedback else "", log.model,
               log.tokens_in, log.tokens_out, round(log.total_ms, 1), log.reason, log.error,
               str(log.conversation_id or "")]


def conversation_rows(conversations, zone_name: str) -> Iterator[list]:
    """`conversations` (a queryset with its bot selected), one row each."""
    zone = zoneinfo.ZoneInfo(zone_name)
    for c in conversations.iterator(chunk_size=2000):
        yield [_local(c.created_at, zone), _local(c.updated_at, zone), c.bot.name, c.channel, c.title,
               c.message_count, c.status, c.handover_reason, str(c.pk)]
