"""The knowledge pages of the dashboard."""

import json
import re

from django.core.files.uploadedfile import SimpleUploadedFile

from documents.models import Chunk, Document
from tests.fakes.openai_server import error_response
from tests.fakes.pdf import encrypt_pdf, make_pdf


def knowledge_url(bot, suffix=""):
    return f"/app/knowledge/{bot.public_id}/{suffix}"


def post_files(client, bot, django_capture_on_commit_callbacks, *files):
    """Upload, let ingestion run (sync mode, once the request's transaction commits), then
    return the page the browser is redirected to."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(knowledge_url(bot, "upload/"),
                               {"files": [SimpleUploadedFile(name, data) for name, data in files]})
    return client.get(response["Location"])


def test_the_knowledge_page_has_an_empty_state(owner_client, bot):
    page = owner_client.get(knowledge_url(bot)).content.decode()
    assert "No documents yet" in page
    assert "Drop files here" in page


def test_several_files_upload_at_once_and_show_their_status(owner_client, bot, django_capture_on_commit_callbacks):
    response = post_files(owner_client, bot, django_capture_on_commit_callbacks,
                          ("guia.pdf", make_pdf(["Diluye los aceites.", "Guárdalos lejos del sol."])),
                          ("precios.csv", b"sku,precio\nA-1,100\n"))
    page = response.content.decode()
    assert "Added “guia.pdf”, “precios.csv”" in page
    assert page.count("badge-doc-processed") == 2
    assert "2 pages" in page


def test_a_refused_file_is_explained_and_the_good_ones_are_kept(owner_client, bot, django_capture_on_commit_callbacks):
    response = post_files(owner_client, bot, django_capture_on_commit_callbacks,
                          ("virus.txt", bytes(range(256)) * 8), ("ok.md", b"# Hola\nTexto"))
    page = response.content.decode()
    assert "“virus.txt”: This file is not a document KAIU can read." in page
    assert list(Document.objects.values_list("name", flat=True)) == ["ok.md"]


def test_typed_text_is_added(owner_client, bot, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(knowledge_url(bot, "text/"), {"title": "Horario", "text": "De 8 a 18."})
    document = Document.objects.get()
    assert (document.name, document.source_type, document.status) == ("Horario", "MANUAL_TEXT", "PROCESSED")


def test_a_failed_document_shows_its_error_and_a_retry_button(owner_client, byok_bot, fake_openai,
                                                              django_capture_on_commit_callbacks):
    working = fake_openai.routes[("POST", "/v1/embeddings")]
    fake_openai.routes[("POST", "/v1/embeddings")] = lambda r: error_response(503, "Overloaded", "server_error")
    page = post_files(owner_client, byok_bot, django_capture_on_commit_callbacks,
                      ("guia.md", b"# Envios\nA todo el pais.")).content.decode()
    document = Document.objects.get()
    assert document.status == "FAILED"
    assert document.error_message in page
    assert f"/app/knowledge/documents/{document.pk}/retry/" in page
    fake_openai.routes[("POST", "/v1/embeddings")] = working
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/app/knowledge/documents/{document.pk}/retry/")
    assert "Processing “guia.md” again." in owner_client.get(knowledge_url(byok_bot)).content.decode()
    document.refresh_from_db()
    assert document.status == "PROCESSED"


def test_a_file_that_cannot_be_read_offers_no_retry(owner_client, bot, django_capture_on_commit_callbacks):
    page = post_files(owner_client, bot, django_capture_on_commit_callbacks,
                      ("roto.pdf", make_pdf(["x" * 300])[:250]), ("protegido.pdf", encrypt_pdf(make_pdf(["secreto"])))
                      ).content.decode()
    assert "damaged" in page
    assert "password protected" in page
    assert "/retry/" not in page
    document = Document.objects.get(name="roto.pdf")
    owner_client.post(f"/app/knowledge/documents/{document.pk}/retry/")
    page = owner_client.get(knowledge_url(bot)).content.decode()
    assert "“roto.pdf” cannot be read as it is, so a retry would fail the same way." in page
    assert document.jobs.count() == 1


def test_one_empty_file_among_eight_is_refused_alone(owner_client, bot, django_capture_on_commit_callbacks):
    files = [(f"nota{n}.txt", f"Nota número {n}.".encode()) for n in range(7)] + [("vacio.txt", b"")]
    page = post_files(owner_client, bot, django_capture_on_commit_callbacks, *files).content.decode()
    assert "“vacio.txt”: The file is empty." in page
    assert "Choose at least one file" not in page
    assert sorted(Document.objects.values_list("name", flat=True)) == [f"nota{n}.txt" for n in range(7)]


def multipart(*files):
    """A multipart body written by hand: Django's test client will not send a file named “..”."""
    body = b"".join(b'--B\r\nContent-Disposition: form-data; name="files"; filename="%s"\r\n\r\n%s\r\n'
                    % (name.encode(), data) for name, data in files)
    return body + b"--B--\r\n"


def test_a_file_named_dot_dot_gets_a_clear_error(owner_client, bot):
    response = owner_client.post(knowledge_url(bot, "upload/"), multipart(("..", b"Hola")),
                                 content_type="multipart/form-data; boundary=B")
    page = owner_client.get(response["Location"]).content.decode()
    assert "No file arrived. Choose at least one file to upload; a file needs a name other than “.” or “..”." in page
    assert not Document.objects.exists()


def test_deep_json_among_good_files_is_refused_and_the_others_are_kept(owner_client, bot,
                                                                       django_capture_on_commit_callbacks):
    page = post_files(owner_client, bot, django_capture_on_commit_callbacks,
                      ("profundo.json", b"[" * 10_000 + b"]" * 10_000), ("ok.md", b"# Hola\nTexto")).content.decode()
    assert "“profundo.json”: This JSON file nests more than 100 levels deep" in page
    assert list(Document.objects.values_list("name", flat=True)) == ["ok.md"]


def test_the_table_polls_only_while_something_is_busy(owner_client, bot, add_text):
    add_text(bot, "Listo", "Ya procesado.")
    assert "every 2s" not in owner_client.get(knowledge_url(bot, "rows/")).content.decode()
    Document.objects.update(status="PROCESSING", progress_done=3, progress_total=10)
    rows = owner_client.get(knowledge_url(bot, "rows/")).content.decode()
    assert "every 2s" in rows
    assert "3 / 10 chunks" in rows


def test_the_document_page_lists_chunks_with_pages_and_paginates(owner_client, bot, django_capture_on_commit_callbacks):
    bot.rag_config = {**bot.rag_config, "chunk_size": 100, "chunk_overlap": 0}
    bot.save()
    pages = [f"Página {n}.\n" + "\n".join(" ".join(f"palabra{n}x{i}{j}" for j in range(6)) for i in range(10))
             for n in range(1, 8)]
    post_files(owner_client, bot, django_capture_on_commit_callbacks, ("largo.pdf", make_pdf(pages)))
    document = Document.objects.get()
    assert document.chunk_count > 25
    pages_of_chunks = -(-document.chunk_count // 25)
    first = owner_client.get(f"/app/knowledge/documents/{document.pk}/").content.decode()
    assert "page 1" in first
    assert f"Page 1 of {pages_of_chunks}" in first
    last = owner_client.get(f"/app/knowledge/documents/{document.pk}/?page={pages_of_chunks}").content.decode()
    assert "page 7" in last
    assert "page 1<" not in last


def test_a_chunk_is_edited_and_disabled(owner_client, bot, add_text):
    document = add_text(bot, "Horario", "Atendemos de lunes a viernes.")
    chunk = document.chunks.get()
    owner_client.post(f"/app/knowledge/chunks/{chunk.pk}/edit/", {"text": "Atendemos también los sábados."})
    chunk.refresh_from_db()
    assert chunk.text == "Atendemos también los sábados."
    assert chunk.edited_at
    owner_client.post(f"/app/knowledge/chunks/{chunk.pk}/toggle/", {"page": "1"})
    assert not Chunk.objects.get(pk=chunk.pk).is_enabled
    response = owner_client.post(f"/app/knowledge/chunks/{chunk.pk}/edit/", {"text": "   "})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert Chunk.objects.get(pk=chunk.pk).text == "Atendemos también los sábados."


def test_delete_asks_first_then_removes(owner_client, bot, add_text, django_capture_on_commit_callbacks):
    document = add_text(bot, "Borrar", "Texto para borrar.")
    assert "cannot be undone" in owner_client.get(f"/app/knowledge/documents/{document.pk}/delete/").content.decode()
    assert Document.objects.filter(pk=document.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/app/knowledge/documents/{document.pk}/delete/")
    assert not Document.objects.exists()
    assert not Chunk.objects.exists()


def test_the_retrieval_box_shows_hits_with_scores(owner_client, bot, add_text):
    add_text(bot, "Envíos", "Los envíos a Cali tardan tres días hábiles.")
    page = owner_client.get(knowledge_url(bot, "test/"), {"q": "envíos a Cali", "mode": "hybrid", "k": 3})
    html = page.content.decode()
    assert "Los envíos a Cali tardan" in html
    assert "relevance <strong>" in html
    assert "The bot would answer from these passages." in html
    assert "#1" in html
    assert Document.objects.get().retrieval_count == 0  # trying things out is not counted


def test_reindex_all_asks_first_then_processes_again(owner_client, bot, add_text, django_capture_on_commit_callbacks):
    document = add_text(bot, "Uno", "Texto uno.")
    assert "Re-index “Helper”?" in owner_client.get(knowledge_url(bot, "reindex/")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(knowledge_url(bot, "reindex/"))
    document.refresh_from_db()
    assert document.status == "PROCESSED"
    assert document.jobs.count() == 2


def test_support_may_manage_knowledge_but_warehouse_may_not(client, bot, member_with_role):
    client.force_login(member_with_role("SUPPORT"))
    assert client.get(knowledge_url(bot)).status_code == 200
    client.force_login(member_with_role("WAREHOUSE"))
    assert client.get(knowledge_url(bot)).status_code == 403


def test_the_knowledge_overview_lists_bots_with_document_counts(owner_client, bot, add_text):
    add_text(bot, "Uno", "Texto.")
    page = owner_client.get("/app/knowledge/").content.decode()
    assert "Helper" in page
    assert f"/app/knowledge/{bot.public_id}/" in page


def test_the_polled_rows_also_refresh_the_bots_status_badge(owner_client, bot, add_text):
    add_text(bot, "Listo", "Ya procesado.")
    rows = owner_client.get(knowledge_url(bot, "rows/")).content.decode()
    assert 'id="bot-status"' in rows
    assert 'hx-swap-oob="true"' in rows
    assert "Ready" in rows
    page = owner_client.get(knowledge_url(bot)).content.decode()
    assert page.count('id="bot-status"') == 1


def test_only_knowledge_is_the_current_section_on_a_bots_knowledge_page(owner_client, bot):
    page = owner_client.get(knowledge_url(bot)).content.decode()
    nav = page[page.index('<nav class="sidebar"'):page.index("</nav>")]
    assert nav.count('aria-current="page"') == 1
    assert 'aria-current="page">Knowledge' in nav


def test_an_oversized_request_is_refused_before_it_is_read(owner_client, bot, settings):
    settings.MAX_REQUEST_MB = 1
    big = SimpleUploadedFile("big.txt", b"a" * 1_100_000)
    response = owner_client.post(knowledge_url(bot, "upload/"), {"files": [big]})
    assert response.status_code == 413
    assert "larger than 1 MB" in response.content.decode()
    assert not Document.objects.exists()


def test_the_retrieval_box_falls_back_to_keywords_when_the_provider_is_down(owner_client, byok_bot, add_text,
                                                                             fake_openai):
    add_text(byok_bot, "Envíos", "Los envíos a Cali tardan tres días hábiles.")
    from tests.fakes.openai_server import error_response

    fake_openai.routes[("POST", "/v1/embeddings")] = lambda r: error_response(401, "bad key")
    html = owner_client.get(knowledge_url(byok_bot, "test/"), {"q": "envíos Cali", "mode": "hybrid", "k": 3})
    html = html.content.decode()
    assert "Keyword search only" in html
    assert "Los envíos a Cali tardan" in html
    html = owner_client.get(knowledge_url(byok_bot, "test/"), {"q": "envíos Cali", "mode": "vector", "k": 3})
    assert "rejected the API key" in html.content.decode()


def test_every_document_type_is_labelled_the_same_way(owner_client, bot, add_text, django_capture_on_commit_callbacks):
    """By the type its content was read as: not "Uploaded file" for some and "CSV table" for others."""
    post_files(owner_client, bot, django_capture_on_commit_callbacks,
               ("guide.pdf", make_pdf(["Dilute the oils."])), ("faq.md", b"# Shipping\nTwo days."),
               ("hours.txt", b"Open 9 to 5."), ("prices.csv", b"sku,price\nA-1,100\n"),
               ("catalog.json", b'{"tea": "Earl Grey"}'))
    add_text(bot, "Returns", "Thirty days to return.")
    page = owner_client.get(knowledge_url(bot)).content.decode()
    for name, label in [("guide.pdf", "PDF"), ("faq.md", "Markdown"), ("hours.txt", "Text"), ("prices.csv", "CSV"),
                        ("catalog.json", "JSON"), ("Returns", "Typed text")]:
        assert re.search(rf">{re.escape(name)}</a><br>\s*<small class=\"muted\">{label} · ", page), name
    for old in ("Uploaded file", "CSV table", "JSON data"):
        assert old not in page
    document = Document.objects.get(name="prices.csv")
    detail = owner_client.get(f"/app/knowledge/documents/{document.pk}/").content.decode()
    assert "<dd>CSV (text/csv)</dd>" in detail


def test_the_document_page_says_which_rows_or_items_each_chunk_holds(owner_client, bot,
                                                                    django_capture_on_commit_callbacks):
    bot.rag_config = {**bot.rag_config, "chunk_size": 200, "chunk_overlap": 60}
    bot.save()
    rows = "".join(f"Tea {n},{60 + n},Japan\n" for n in range(1, 13))
    items = json.dumps([{"name": f"Tea {n}", "price_sek": 60 + n} for n in range(1, 13)])
    post_files(owner_client, bot, django_capture_on_commit_callbacks,
               ("teas.csv", f"name,price_sek,origin\n{rows}".encode()), ("teas.json", items.encode()))
    for document in Document.objects.filter(bot=bot):
        page = owner_client.get(f"/app/knowledge/documents/{document.pk}/").content.decode()
        label = "row" if document.name.endswith(".csv") else "item"
        for chunk in document.chunks.all():
            first, last = chunk.metadata[label], chunk.metadata.get(f"{label}_end", chunk.metadata[label])
            assert f"{label} {first}–{last}" in page if last != first else f"{label} {first}<" in page
            assert chunk.text.startswith(f"name: Tea {first}\n")  # a chunk begins with its first record
            assert chunk.text.rstrip().endswith(f"{60 + last}" if label == "item" else "origin: Japan")
