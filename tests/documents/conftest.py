import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from documents.services import document_upload


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """Upload files to a bot through the service and run their ingestion (sync mode) now."""

    def run(bot, *files):
        uploads = [SimpleUploadedFile(name, data) for name, data in files]
        with django_capture_on_commit_callbacks(execute=True):
            documents, errors = document_upload(bot=bot, files=uploads)
        for document in documents:
            document.refresh_from_db()
        return documents, errors

    return run


@pytest.fixture
def byok_bot(bot, fake_openai):
    """The `bot`, whose tenant uses the local fake OpenAI-compatible server for embeddings."""
    from tests.fakes.openai_server import use_fake_server

    use_fake_server(bot.tenant, fake_openai)
    bot.refresh_from_db()
    return bot
