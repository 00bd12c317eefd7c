"""Conversation history in the dashboard: the list with its filters, a transcript, and
"improve answer", which turns a reply into a curated answer."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe

from bots.selectors import bot_get_for_tenant, bot_list_for_tenant
from chat import curated, selectors
from chat.models import Channel
from chat.render import render_answer
from chat.texts import ChatError
from chat.web import message_payload
from kaiu.tenancy import tenant_view

OFFERED_CHANNELS = list(Channel.choices)


class HistoryFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search",
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Words in the conversation"}))
    bot = forms.ChoiceField(required=False)
    channel = forms.ChoiceField(required=False, choices=[("", "All channels"), *OFFERED_CHANNELS])
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    rating = forms.TypedChoiceField(required=False, coerce=int, empty_value=None,
                                    choices=[("", "Any rating"), ("1", "Helpful"), ("-1", "Not helpful")])
    unanswered = forms.BooleanField(required=False, label="Unanswered")
    low_score = forms.BooleanField(required=False, label=f"Low score (< {selectors.LOW_SCORE})")

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bot"].choices = [("", "All bots")] + [(b.public_id, b.name) for b in bot_list_for_tenant(tenant)]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError("“From” is after “To”: no day can be in that range.")
        return cleaned


class CuratedAnswerForm(forms.Form):
    question = forms.CharField(max_length=500, help_text="Questions that reword this one get the answer below "
                                                         "(how close they must be: the bot's Retrieval settings).")
    answer = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), help_text="Markdown works: **bold**, lists, links."
    )


class CuratedAnswerAddForm(CuratedAnswerForm):
    bot = forms.ChoiceField()
    field_order = ["bot", "question", "answer"]

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bot"].choices = [(b.public_id, b.name) for b in bot_list_for_tenant(tenant)]


class CuratedAnswerEditForm(CuratedAnswerForm):
    is_enabled = forms.BooleanField(required=False, label="Served", help_text="Off: the bot answers from its "
                                                                                "documents instead.")


@tenant_view("conversations")
def conversation_list(request):
    form = HistoryFilterForm(request.GET or None, tenant=request.tenant)
    filters = form.cleaned_data if form.is_valid() else {}
    conversations = selectors.conversation_list_for_tenant(request.tenant, **{k: v for k, v in filters.items() if v})
    if form.errors:  # filters that cannot be read list nothing rather than everything
        conversations = conversations.none()
    page = Paginator(conversations, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "chat/conversation_list.html", {"form": form, "page": page, "query": query.urlencode()})


@tenant_view("conversations")
def conversation_detail(request, conversation_id):
    conversation = selectors.conversation_get_for_tenant(request.tenant, conversation_id)
    transcript = [(m, message_payload(m, debug=True)) for m in selectors.message_list_for_conversation(conversation)]
    return render(request, "chat/conversation_detail.html", {"conversation": conversation, "transcript": transcript})


@tenant_view("conversations")
def message_improve(request, conversation_id, message_id):
    conversation = selectors.conversation_get_for_tenant(request.tenant, conversation_id)
    message = selectors.answer_get_for_conversation(conversation, message_id)
    form = CuratedAnswerForm(request.POST or None,
                             initial={"question": selectors.question_before(message),
                                      "answer": message.content if message.answered else ""})
    if request.method == "POST" and form.is_valid():
        try:
            curated.curated_answer_create(bot=conversation.bot, question=form.cleaned_data["question"],
                                           answer=form.cleaned_data["answer"], user=request.user,
                                           source_message=message)
        except ChatError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Saved. Questions like this one now get your answer.")
            return redirect("chat:conversation-detail", conversation_id=conversation.pk)
    return render(request, "chat/message_improve.html", {"conversation": conversation, "message": message,
                                                         "form": form})


@tenant_view("conversations")
def curated_list(request):
    page = Paginator(selectors.curated_answer_list_for_tenant(request.tenant), 25).get_page(request.GET.get("page"))
    # render_answer cleans its HTML with nh3 (chat.render), so it may be shown as it is.
    rendered = [(answer, mark_safe(render_answer(answer.answer))) for answer in page]
    return render(request, "chat/curated_list.html", {"page": page, "rendered": rendered})


@tenant_view("conversations")
def curated_create(request):
    form = CuratedAnswerAddForm(request.POST or None, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        bot = bot_get_for_tenant(request.tenant, form.cleaned_data["bot"])
        try:
            curated.curated_answer_create(bot=bot, question=form.cleaned_data["question"],
                                           answer=form.cleaned_data["answer"], user=request.user)
        except ChatError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Saved. {bot.name} now gives your answer to questions like this one.")
            return redirect("chat:curated-list")
    return render(request, "chat/curated_form.html", {"form": form, "title": "Add a curated answer"})


@tenant_view("conversations")
def curated_edit(request, answer_id):
    answer = selectors.curated_answer_get_for_tenant(request.tenant, answer_id)
    form = CuratedAnswerEditForm(request.POST or None, initial={
        "question": answer.question, "answer": answer.answer, "is_enabled": answer.is_enabled})
    if request.method == "POST" and form.is_valid():
        try:
            curated.curated_answer_update(answer=answer, question=form.cleaned_data["question"],
                                          text=form.cleaned_data["answer"], is_enabled=form.cleaned_data["is_enabled"])
        except ChatError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Curated answer saved.")
            return redirect("chat:curated-list")
    return render(request, "chat/curated_form.html", {"form": form, "answer": answer,
                                                      "title": f"Edit the answer of {answer.bot.name}"})


@tenant_view("conversations")
def curated_delete(request, answer_id):
    answer = selectors.curated_answer_get_for_tenant(request.tenant, answer_id)
    if request.method == "POST":
        curated.curated_answer_delete(answer=answer)
        messages.success(request, "Curated answer deleted.")
        return redirect("chat:curated-list")
    return render(request, "chat/curated_delete.html", {"answer": answer})
