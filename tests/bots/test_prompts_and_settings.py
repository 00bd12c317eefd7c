"""Prompt versions, retrieval settings and the widget page of a bot."""

import json

import pytest

from bots.models import BotPrompt, WidgetConfig
from chat.models import Conversation
from kaiu.accounts.models import Plan


def test_a_new_prompt_version_is_a_draft_until_activated(owner_client, bot):
    live = bot.active_prompt
    response = owner_client.post(f"/app/bots/{bot.public_id}/prompts/",
                                 {"name": "Más breve", "content": live.content + "\nResponde en dos frases."})
    draft = BotPrompt.objects.get(bot=bot, version=live.version + 1)
    assert response.status_code == 302
    assert draft.is_draft
    bot.refresh_from_db()
    assert bot.active_prompt == live  # nothing changed for visitors yet

    page = owner_client.get(f"/app/bots/{bot.public_id}/prompts/{draft.pk}/").content.decode()
    assert "+Responde en dos frases." in page  # the diff against the previous version
    owner_client.post(f"/app/bots/{bot.public_id}/prompts/{draft.pk}/", {"name": "Más breve", "content": "Otra cosa."})
    draft.refresh_from_db()
    assert draft.content == "Otra cosa."  # a draft can still be edited

    owner_client.post(f"/app/bots/{bot.public_id}/prompts/{draft.pk}/activate/")
    bot.refresh_from_db()
    draft.refresh_from_db()
    assert bot.active_prompt == draft
    assert not draft.is_draft
    response = owner_client.post(f"/app/bots/{bot.public_id}/prompts/{draft.pk}/", {"content": "Cambio tardío."})
    draft.refresh_from_db()
    assert draft.content == "Otra cosa."
    assert "kept as it was" in response.content.decode()


def test_an_empty_prompt_is_refused(owner_client, bot):
    response = owner_client.post(f"/app/bots/{bot.public_id}/prompts/", {"content": "   "})
    assert response.status_code == 200
    assert BotPrompt.objects.filter(bot=bot).count() == 1


def test_saving_the_live_or_latest_prompt_unchanged_makes_no_new_version(owner_client, bot):
    live = bot.active_prompt
    response = owner_client.post(f"/app/bots/{bot.public_id}/prompts/", {"content": f"  {live.content}\n"})
    assert response.status_code == 200
    assert f"Nothing changed from version {live.version}" in response.content.decode()
    # With a draft newer than the live version, the form (which starts from the live one) sent
    # as it is, or the draft's text again, is no change either.
    owner_client.post(f"/app/bots/{bot.public_id}/prompts/", {"content": "Un borrador distinto."})
    for content in (live.content, "Un borrador distinto."):
        response = owner_client.post(f"/app/bots/{bot.public_id}/prompts/", {"content": content})
        assert response.status_code == 200
        assert "Nothing changed from version" in response.content.decode()
    assert BotPrompt.objects.filter(bot=bot).count() == 2


def test_a_draft_can_be_tried_in_the_playground_without_going_live(owner_client, bot, add_text):
    from tests.chat.conftest import KNOWLEDGE

    add_text(bot, "Políticas", KNOWLEDGE)
    draft = BotPrompt.objects.create(bot=bot, content="Eres un pirata.", version=2)
    page = owner_client.get(f"/app/playground/{bot.public_id}/?prompt={draft.pk}")
    assert b"Trying prompt version 2" in page.content
    response = owner_client.post(f"/app/playground/{bot.public_id}/messages/",
                                 json.dumps({"message": "¿Aceptan Nequi?", "prompt": str(draft.pk)}),
                                 content_type="application/json")
    b"".join(response.streaming_content)
    bot.refresh_from_db()
    assert bot.active_prompt.version == 1
    assert Conversation.objects.get().channel == "PLAYGROUND"


def test_retrieval_settings_are_saved_and_advanced_ones_need_the_plan(owner_client, bot):
    form = {
        "search_mode": "keyword",
        "top_k": 8,
        "certainty": "strict",
        "curated_certainty": "lenient",
        "chunk_size": 700,
        "chunk_overlap": 100,
        "chat_model": "gpt-4o",
        "temperature": 0.5,
    }
    before = dict(bot.rag_config)
    owner_client.post(f"/app/bots/{bot.public_id}/settings/", form)
    bot.refresh_from_db()
    rag = bot.rag_config
    assert (rag["top_k"], rag["certainty"], rag["curated_certainty"]) == (8, "strict", "lenient")
    assert (rag["search_mode"], rag["chunk_size"]) == (before["search_mode"], before["chunk_size"])  # free plan
    assert (bot.chat_model, bot.temperature) == ("gpt-4o", 0.5)

    Plan.objects.filter(pk=bot.tenant.plan_id).update(allow_advanced_rag=True)
    response = owner_client.post(f"/app/bots/{bot.public_id}/settings/", form, follow=True)
    bot.refresh_from_db()
    assert (bot.rag_config["search_mode"], bot.rag_config["chunk_size"]) == ("keyword", 700)
    assert "re-indexed" in response.content.decode()
    bad = owner_client.post(f"/app/bots/{bot.public_id}/settings/", {**form, "chunk_overlap": 700})
    assert "smaller than the chunk size" in bad.content.decode()


@pytest.mark.parametrize(("field", "value"), [("top_k", 0), ("certainty", "sure"), ("temperature", 3)])
def test_out_of_range_settings_change_nothing(owner_client, bot, field, value):
    before = dict(bot.rag_config)
    form = {
        "search_mode": "hybrid",
        "top_k": 5,
        "certainty": "balanced",
        "curated_certainty": "balanced",
        "chunk_size": 1000,
        "chunk_overlap": 200,
        "chat_model": "",
        "temperature": 0.2,
        field: value,
    }
    assert owner_client.post(f"/app/bots/{bot.public_id}/settings/", form).status_code == 200
    bot.refresh_from_db()
    assert bot.rag_config == before


def test_the_widget_page_saves_domains_and_shows_the_snippet(owner_client, bot):
    page = owner_client.get(f"/app/bots/{bot.public_id}/widget/").content.decode()
    assert f"/widget/{bot.public_id}.js" in page
    assert "No allowed domains yet" in page
    form = {"header_text": "Tienda", "primary_color": "#aa3300", "welcome_message": "¡Hola!", "position": "left",
            "starter_questions": "¿Hacen envíos?\n\n¿Cómo pago?", "allowed_domains": "https://Shop.example.com/\n*.tienda.co",
            "auto_open": "on"}
    owner_client.post(f"/app/bots/{bot.public_id}/widget/", form)
    widget = WidgetConfig.objects.get(bot=bot)
    assert widget.allowed_domains == ["shop.example.com", "*.tienda.co"]
    assert widget.starter_questions == ["¿Hacen envíos?", "¿Cómo pago?"]
    assert widget.auto_open
    response = owner_client.post(f"/app/bots/{bot.public_id}/widget/", {**form, "allowed_domains": "not a domain!"})
    assert "Not a domain" in response.content.decode()
    assert WidgetConfig.objects.get(bot=bot).allowed_domains == ["shop.example.com", "*.tienda.co"]


@pytest.mark.parametrize(("color", "ink", "text"), [
    ("#2f7d5b", "#ffffff", "#2f7d5b"), ("#000000", "#ffffff", "#000000"), ("#1565c0", "#ffffff", "#1565c0"),
    ("#3498db", "#1d2420", "#1d2420"),  # white would be 3.2:1 on it, dark 5:1
    ("#ffee00", "#1d2420", "#1d2420"), ("#ffffff", "#1d2420", "#1d2420"), ("#ff8800", "#1d2420", "#1d2420"),
])
def test_a_brand_colour_gets_the_text_colours_that_read_on_and_beside_it(color, ink, text):
    from bots.models import ink_on, text_on_white

    assert (ink_on(color), text_on_white(color)) == (ink, text)


def test_a_light_brand_colour_gives_visitors_dark_text(client, bot):
    WidgetConfig.objects.update_or_create(bot=bot, defaults={"primary_color": "#ffee00", "allowed_domains": ["a.test"]})
    page = client.get(f"/c/{bot.public_id}/").content.decode()
    assert '"ink": "#1d2420"' in page
    assert '"ink": "#1d2420"' in client.get(f"/widget/{bot.public_id}.js").content.decode()


def test_the_handover_threshold_is_edited_on_the_settings_page(owner_client, bot):
    form = {"search_mode": "hybrid", "top_k": 5, "certainty": "balanced", "curated_certainty": "balanced",
            "chunk_size": 1000, "chunk_overlap": 100, "chat_model": "", "temperature": 0.2}
    assert bot.handover_after_unanswered == 2  # the default
    assert 'name="handover_after_unanswered" value="2"' in owner_client.get(
        f"/app/bots/{bot.public_id}/settings/").content.decode()
    owner_client.post(f"/app/bots/{bot.public_id}/settings/", {**form, "handover_after_unanswered": 4})
    bot.refresh_from_db()
    assert bot.handover_after_unanswered == 4
    owner_client.post(f"/app/bots/{bot.public_id}/settings/", {**form, "handover_after_unanswered": -1})
    bot.refresh_from_db()
    assert bot.handover_after_unanswered == 4  # refused
