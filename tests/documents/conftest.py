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
    from kaiu.accounts.services import llm_settings_update
    from tests.fakes.openai_server import embeddings_handler

    fake_openai.routes[("POST", "/v1/embeddings")] = embeddings_handler()
    llm_settings_update(
        tenant=bot.tenant,
        provider="OPENAI_COMPATIBLE",
        base_url=fake_openai.base_url,
        chat_model="gpt-4o-mini",
        embedding_model="text-embedding-3-small",
        api_key="sk-fake-key-123456",
    )
    bot.refresh_from_db()
    return bot
