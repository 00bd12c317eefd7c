"""Demo data owned by the knowledge base: the demo bot's documents, in Spanish."""

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from bots.demo import demo_bot
from documents.ingest import process_document
from documents.models import Document
from documents.services import document_upload

DEMO_DOCUMENTS = Path(__file__).resolve().parent / "demo"


def seed(tenant) -> str:
    """seed_demo's step: the demo bot's knowledge base, processed."""
    bot = demo_bot(tenant)
    added = seed_knowledge(bot)
    new = f", {len(added)} new" if added else ""
    return f"Knowledge base: {bot.documents.count()} documents{new}."


def seed_knowledge(bot) -> list[Document]:
    """Add the demo documents the bot does not have yet, and process them right away through
    the same pipeline the worker runs, so the demo answers as soon as the server starts."""
    have = set(Document.objects.filter(bot=bot).values_list("name", flat=True))
    files = [SimpleUploadedFile(path.name, path.read_bytes())
             for path in sorted(DEMO_DOCUMENTS.glob("*.md")) if path.name not in have]
    added, errors = document_upload(bot=bot, files=files) if files else ([], [])
    if errors:
        raise RuntimeError("; ".join(errors))
    for document in added:
        process_document(document.pk)
    return added
