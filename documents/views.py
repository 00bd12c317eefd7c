from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from bots.selectors import bot_get_for_tenant
from documents import search, selectors, services
from documents.forms import ChunkForm, RetrievalTestForm, TextForm, UploadForm
from documents.relevance import certainty_for
from kaiu.accounts.quotas import QuotaExceeded
from kaiu.ai.embeddings import EmbeddingError
from kaiu.tenancy import tenant_view


@tenant_view("knowledge")
def knowledge(request):
    bots = selectors.bot_list_with_knowledge_for_tenant(request.tenant)
    return render(request, "documents/knowledge.html", {"bots": bots})


def _knowledge_context(request, bot, **extra):
    documents = list(selectors.document_list_for_bot(bot))
    return {
        "bot": bot,
        "documents": documents,
        "busy": any(document.is_busy for document in documents),
        "stale_chunks": selectors.chunk_count_stale_for_bot(bot),
        "upload_form": UploadForm(),
        "text_form": TextForm(),
        "test_form": RetrievalTestForm(initial={"mode": bot.rag_config.get("search_mode", "hybrid"),
                                                "k": bot.rag_config.get("top_k", 5)}),
        **extra,
    }


@tenant_view("knowledge")
def document_list(request, public_id):
    bot = bot_get_for_tenant(request.tenant, public_id)
    return render(request, "documents/document_list.html", _knowledge_context(request, bot))


@tenant_view("knowledge")
def document_rows(request, public_id):
    """The document table alone, polled by htmx while something is being processed."""
    bot = bot_get_for_tenant(request.tenant, public_id)
    # oob: the bot's status badge in the page header is swapped in along with the rows.
    return render(request, "documents/_document_rows.html", _knowledge_context(request, bot, oob=True))


@tenant_view("knowledge")
@require_POST
def document_upload(request, public_id):
    bot = bot_get_for_tenant(request.tenant, public_id)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        # Django drops a file whose name is "", "." or "..", so this is also what such a file gets.
        messages.error(request, "No file arrived. Choose at least one file to upload; a file needs a name other "
                                "than “.” or “..”.")
        return redirect("documents:document-list", public_id=bot.public_id)
    try:
        added, errors = services.document_upload(bot=bot, files=form.cleaned_data["files"], user=request.user)
    except (QuotaExceeded, services.DocumentError) as error:
        messages.error(request, str(error))
    else:
        for error in errors:
            messages.error(request, error)
        if added:
            names = ", ".join(f"“{document.name}”" for document in added)
            messages.success(request, f"Added {names}. Processing has started.")
    return redirect("documents:document-list", public_id=bot.public_id)


@tenant_view("knowledge")
@require_POST
def document_add_text(request, public_id):
    bot = bot_get_for_tenant(request.tenant, public_id)
    form = TextForm(request.POST)
    if form.is_valid():
        try:
            document = services.document_add_text(bot=bot, title=form.cleaned_data["title"],
                                                  text=form.cleaned_data["text"], user=request.user)
        except (QuotaExceeded, services.DocumentError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Added “{document.name}”. Processing has started.")
            return redirect("documents:document-list", public_id=bot.public_id)
    return render(request, "documents/document_list.html", _knowledge_context(request, bot, text_form=form),
                  status=400)


@tenant_view("knowledge")
def retrieval_test(request, public_id):
    bot = bot_get_for_tenant(request.tenant, public_id)
    form = RetrievalTestForm(request.GET)
    result = error = None
    if form.is_valid():
        try:
            result = search.retrieve(bot, form.cleaned_data["q"], k=form.cleaned_data["k"],
                                     mode=form.cleaned_data["mode"], record=False)
        except EmbeddingError as problem:
            error = str(problem)
    judgement = result.judge(certainty_for(bot)) if result else None
    return render(request, "documents/_retrieval_results.html",
                  {"form": form, "result": result, "judgement": judgement, "error": error, "bot": bot})


@tenant_view("knowledge")
def bot_reindex(request, public_id):
    bot = bot_get_for_tenant(request.tenant, public_id)
    if request.method == "POST":
        try:
            count = services.bot_reindex(bot=bot)
        except QuotaExceeded as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Re-indexing {count} document{'s' if count != 1 else ''}.")
        return redirect("documents:document-list", public_id=bot.public_id)
    return render(request, "documents/bot_reindex.html", {"bot": bot})


@tenant_view("knowledge")
def document_detail(request, document_id):
    document = selectors.document_get_for_tenant(request.tenant, document_id)
    page = Paginator(document.chunks.order_by("index"), 25).get_page(request.GET.get("page"))
    return render(request, "documents/document_detail.html", {"document": document, "page": page})


@tenant_view("knowledge")
@require_POST
def document_retry(request, document_id):
    document = selectors.document_get_for_tenant(request.tenant, document_id)
    try:
        services.document_retry(document=document)
    except (QuotaExceeded, services.DocumentError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Processing “{document.name}” again.")
    return redirect("documents:document-list", public_id=document.bot.public_id)


@tenant_view("knowledge")
def document_delete(request, document_id):
    document = selectors.document_get_for_tenant(request.tenant, document_id)
    if request.method == "POST":
        services.document_delete(document=document)
        messages.success(request, f"Deleted “{document.name}” and its {document.chunk_count} chunks.")
        return redirect("documents:document-list", public_id=document.bot.public_id)
    return render(request, "documents/document_delete.html", {"document": document})


@tenant_view("knowledge")
def chunk_edit(request, chunk_id):
    chunk = selectors.chunk_get_for_tenant(request.tenant, chunk_id)
    form = ChunkForm(request.POST or None, initial={"text": chunk.text})
    if request.method == "POST" and form.is_valid():
        try:
            services.chunk_update(chunk=chunk, text=form.cleaned_data["text"])
        except services.DocumentError as error:
            form.add_error("text", str(error))
        else:
            messages.success(request, f"Chunk {chunk.index + 1} saved and re-embedded.")
            return redirect("documents:document-detail", document_id=chunk.document_id)
    return render(request, "documents/chunk_edit.html", {"chunk": chunk, "form": form})


@tenant_view("knowledge")
@require_POST
def chunk_toggle(request, chunk_id):
    chunk = selectors.chunk_get_for_tenant(request.tenant, chunk_id)
    try:
        services.chunk_set_enabled(chunk=chunk, enabled=not chunk.is_enabled)
    except services.DocumentError as error:
        messages.error(request, str(error))
    else:
        state = "enabled" if chunk.is_enabled else "disabled: retrieval skips it"
        messages.success(request, f"Chunk {chunk.index + 1} {state}.")
    page = request.POST.get("page", "")
    url = reverse("documents:document-detail", args=[chunk.document_id])
    return redirect(f"{url}?page={page}" if page.isdigit() else url)
