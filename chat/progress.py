"""The steps of the overview's "Next steps" (kaiu.accounts.progress): create a bot, give it
knowledge, try it in the playground, put it before customers. Chat judges all four: it is
the app that sees bots, documents and conversations alike."""

from django.urls import reverse

from bots.models import Bot, WidgetConfig
from chat.models import Channel, Conversation
from documents.models import Document
from kaiu.accounts.models import Tenant
from kaiu.accounts.progress import Step, register_step

VISITOR_CHANNELS = (Channel.PAGE, Channel.WIDGET, Channel.API)


def _first_bot_url(tenant: Tenant, url_name: str, fallback: str) -> str:
    public_id = Bot.objects.filter(tenant=tenant).order_by("created_at").values_list("public_id", flat=True).first()
    return reverse(url_name, args=[public_id]) if public_id else reverse(fallback)


def _has_knowledge(tenant: Tenant) -> bool:
    return Document.objects.filter(tenant=tenant, status=Document.Status.PROCESSED).exists()


def _tried(tenant: Tenant) -> bool:
    return Conversation.objects.filter(tenant=tenant, channel=Channel.PLAYGROUND, message_count__gt=0).exists()


def _published(tenant: Tenant) -> bool:
    """A site may embed the widget, or visitors have already asked (public page, widget, API)."""
    return (WidgetConfig.objects.filter(bot__tenant=tenant).exclude(allowed_domains=[]).exists()
            or Conversation.objects.filter(tenant=tenant, channel__in=VISITOR_CHANNELS).exists())


def register_steps() -> None:
    register_step("bot", Step(
        10, "Create a bot", "Start from a template: you can change everything later.",
        done=lambda tenant: Bot.objects.filter(tenant=tenant).exists(),
        url=lambda tenant: reverse("bots:bot-create")))
    register_step("knowledge", Step(
        20, "Add knowledge", "Upload your policies, catalog or FAQs, then test what the bot finds.",
        done=_has_knowledge,
        url=lambda tenant: _first_bot_url(tenant, "documents:document-list", "documents:knowledge")))
    register_step("try", Step(
        30, "Try it in the playground", "Ask what your customers would ask and see the passages behind each answer.",
        done=_tried, url=lambda tenant: _first_bot_url(tenant, "chat:playground", "bots:bot-list")))
    register_step("publish", Step(
        40, "Publish it", "Add the widget to your site (allowed domains), share the public page, or connect "
        "your app through the API.",
        done=_published, url=lambda tenant: _first_bot_url(tenant, "bots:widget-edit", "bots:bot-list")))
