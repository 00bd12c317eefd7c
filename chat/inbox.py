"""The support inbox (OWNER, ADMIN, SUPPORT): conversations waiting for a person, one
conversation with its customer's orders beside it, and what an agent does there. The list,
the transcript and the navigation's count refresh themselves with htmx polling."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from chat import curated, selectors, support
from chat.models import Channel, Message
from chat.texts import ChatError
from chat.web import message_payload
from chat.whatsapp.outbound import (
    WhatsAppError,
    whatsapp_delivery_for_messages,
    whatsapp_template_send,
    whatsapp_window_open,
)
from kaiu.tenancy import tenant_view

POLL_SECONDS = 4


class InboxFilterForm(forms.Form):
    view = forms.ChoiceField(required=False, choices=list(support.INBOX_VIEWS.items()))
    q = forms.CharField(required=False, max_length=100, label="Search")


class AgentReplyForm(forms.Form):
    text = forms.CharField(label="Reply to the customer", max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Write your reply…"}))


class NoteForm(forms.Form):
    text = forms.CharField(label="Internal note", max_length=4000, help_text="Only your team sees notes.",
                           widget=forms.Textarea(attrs={"rows": 2, "placeholder": "For the team only…"}))


class TemplateForm(forms.Form):
    """An approved WhatsApp template: the only message Meta lets a business send once the
    customer-service window has closed."""

    name = forms.CharField(label="Template name", max_length=100, help_text="As approved in WhatsApp Manager.")
    language = forms.CharField(label="Language code", max_length=10, initial="es", help_text="es, en_US, …")
    params = forms.CharField(label="Values for its {{1}}, {{2}}, …", required=False, max_length=1000,
                             help_text="One per line.", widget=forms.Textarea(attrs={"rows": 2}))


@tenant_view("inbox")
def inbox(request):
    form = InboxFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    view = filters.get("view") or "waiting"
    conversations = support.inbox_list_for_tenant(request.tenant, user=request.user, view=view,
                                                  search=filters.get("q", ""))[:100]
    context = {"form": form, "view": view, "conversations": conversations,
               "query": request.GET.urlencode(), "poll_seconds": POLL_SECONDS, "views": support.INBOX_VIEWS}
    template = "chat/_inbox_rows.html" if request.htmx else "chat/inbox.html"
    return render(request, template, context)


@tenant_view("inbox")
def inbox_count(request):
    """The navigation's waiting count, polled by the layout."""
    count = support.inbox_waiting_count(request.tenant)
    return HttpResponse(str(count) if count else "")


@tenant_view("inbox")
def inbox_conversation(request, conversation_id):
    conversation = selectors.conversation_get_for_tenant(request.tenant, conversation_id)
    rows = support.transcript_for_conversation(conversation)
    on_whatsapp = conversation.channel == Channel.WHATSAPP
    message_ids = [row.pk for kind, row in rows if kind == "message"]
    delivery = whatsapp_delivery_for_messages(message_ids) if on_whatsapp else {}
    transcript = [(kind, row, message_payload(row) if kind == "message" else None, delivery.get(row.pk))
                  for kind, row in rows]
    context = {"conversation": conversation, "transcript": transcript, "poll_seconds": POLL_SECONDS}
    if request.htmx:
        return render(request, "chat/_inbox_transcript.html", context)
    context.update(reply_form=AgentReplyForm(), note_form=NoteForm(),
                   orders=support.order_list_for_conversation(conversation), on_whatsapp=on_whatsapp,
                   window_open=on_whatsapp and whatsapp_window_open(conversation), template_form=TemplateForm())
    return render(request, "chat/inbox_conversation.html", context)


@tenant_view("inbox")
@require_POST
def inbox_claim(request, conversation_id):
    conversation = selectors.conversation_get_for_tenant(request.tenant, conversation_id)
    if support.conversation_claim(conversation=conversation, user=request.user):
        messages.success(request, "The conversation is yours.")
    else:
        messages.error(request, "Someone else already has this conversation.")
    return redirect("chat:inbox-conversation", conversation_id=conversation.pk)


@tenant_view("inbox")
@require_POST
def inbox_reply(request, conversation_id):
    conversation = selectors.conversation_get_for_tenant(request.tenant, conversation_id)
    form = AgentReplyForm(request.POST)
    if form.is_valid():
        try:
            support.agent_reply(conversation=conversation, user=request.user, text=form.cleaned_data["text"])
        except ChatError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, "Write a reply first.")
    return redirect("chat:inbox-conversation", conversation_id=conversation.pk)


@tenant_view("inbox")
@require_POST
def inbox_template(request, conversation_id):
    conversation = selectors.conversation_get_for_tenant(request.tenant, conversation_id)
    form = TemplateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A template message needs its name and language code.")
    else:
        params = [line.strip() for line in form.cleaned_data["params"].splitlines() if line.strip()]
        try:
            whatsapp_template_send(conversation, form.cleaned_data["name"], form.cleaned_data["language"], params,
                                   request.user)
        except WhatsAppError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Template message queued for WhatsApp.")
    return redirect("chat:inbox-conversation", conversation_id=conversation.pk)


@tenant_view("inbox")
@require_POST
def inbox_note(request, conversation_id):
    conversation = selectors.conversation_get_for_tenant(request.tenant, conversation_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        support.note_add(conversation=conversation, user=request.user, text=form.cleaned_data["text"])
        messages.success(request, "Note added. Only your team sees it.")
    else:
        messages.error(request, "Write the note first.")
    return redirect("chat:inbox-conversation", conversation_id=conversation.pk)


@tenant_view("inbox")
@require_POST
def inbox_resolve(request, conversation_id):
    conversation = selectors.conversation_get_for_tenant(request.tenant, conversation_id)
    support.handover_resolve(conversation=conversation)
    messages.success(request, "Resolved: the bot answers this conversation again.")
    return redirect("chat:inbox")


@tenant_view("inbox")
@require_POST
def inbox_curate(request, conversation_id, message_id):
    """One click: the agent's reply becomes the bot's curated answer to the question before it."""
    conversation = selectors.conversation_get_for_tenant(request.tenant, conversation_id)
    message = selectors.message_get_for_conversation(conversation, message_id, role=Message.Role.AGENT)
    try:
        curated.curated_answer_create(bot=conversation.bot, question=selectors.question_before(message),
                                      answer=message.content, user=request.user, source_message=message)
    except ChatError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Saved as a curated answer: the bot now gives it to questions like this one.")
    return redirect("chat:inbox-conversation", conversation_id=conversation.pk)
