"""Chunk edits survive a re-index: the tenant's text and disabled flags are carried over to
the same passage when its document is processed again."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from django.db.models import Q

from bots.models import Bot
from documents.chunking import ChunkDraft, sha256_text
from documents.models import Chunk, Document


@dataclass(frozen=True)
class ChunkEdit:
    """What the tenant changed on a chunk, kept when the same passage is processed again."""

    original_sha256: str  # of the passage as the file has it
    text: str
    is_enabled: bool
    edited_at: datetime | None  # None: disabled, not edited


def chunk_edits(bot_id, document_id) -> dict[str, ChunkEdit]:
    """The document's edited or disabled chunks, by the sha256 of their passage as the file has it."""
    rows = Chunk.objects.filter(bot_id=bot_id, document_id=document_id).filter(
        Q(edited_at__isnull=False) | Q(is_enabled=False)).values_list(
        "sha256", "original_sha256", "text", "is_enabled", "edited_at")
    return {original or digest: ChunkEdit(original or digest, text, enabled, edited_at)
            for digest, original, text, enabled, edited_at in rows}


def apply_edits(drafts: list[ChunkDraft], edits: dict[str, ChunkEdit]) -> tuple[list[ChunkDraft], dict[str, ChunkEdit]]:
    """The drafts with each edited passage's text replaced by the tenant's, so it is embedded and
    stored as edited; and the edits carried, by the sha256 of the text to store. A passage the
    file no longer has (changed, or cut differently by new chunk settings) loses its edit."""
    if not edits:
        return drafts, {}
    out, carried = [], {}
    for draft in drafts:
        edit = edits.get(sha256_text(draft.text))
        if edit is not None:
            if edit.edited_at:
                draft = replace(draft, text=edit.text)
            carried[sha256_text(draft.text)] = edit
        out.append(draft)
    return out, carried


def restore_edits(bot: Bot, document: Document, carried: dict[str, ChunkEdit]) -> None:
    """Mark the chunks just stored (all written as new) edited or disabled as they were."""
    disabled_only = [digest for digest, edit in carried.items() if not edit.edited_at]
    Chunk.objects.filter(bot=bot, document=document, sha256__in=disabled_only).update(is_enabled=False)
    for digest, edit in carried.items():
        if edit.edited_at:
            Chunk.objects.filter(bot=bot, document=document, sha256=digest).update(
                is_enabled=edit.is_enabled, edited_at=edit.edited_at, original_sha256=edit.original_sha256)
