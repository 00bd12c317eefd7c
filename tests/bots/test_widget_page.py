"""The widget page speaks to the business in the bot's language where it shows a visitor's
words: its KAIU.open(...) example."""

import pytest


@pytest.mark.parametrize(("language", "example"), [("en", "Do you ship to my city?"),
                                                   ("es", "¿Hacen envíos a mi ciudad?")])
def test_the_open_example_is_in_the_bots_language(owner_client, bot, language, example):
    bot.language = language
    bot.save()
    page = owner_client.get(f"/app/bots/{bot.public_id}/widget/").content.decode()
    assert f"<code>KAIU.open(\"{example}\")</code>" in page
    assert "Cali" not in page
