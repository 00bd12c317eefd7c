"""The overview's "Next steps" follow the business's progress: a bot, knowledge, a try in the
playground, then customers."""

import re

from bots.services import widget_config_update
from chat.models import Channel
from chat.reply import reply
from chat.services import conversation_start
from kaiu.accounts.models import Role


def steps(client) -> dict[str, bool]:
    """Each step's title → whether it is marked done."""
    page = client.get("/app/").content.decode()
    items = re.findall(r'<li class="step( step-done)?">(.*?)</li>', page, re.S)
    return {re.sub(r"<[^>]+>", "", body).split(":")[0].replace("Done", "").strip(): bool(done)
            for done, body in items}


def test_a_new_business_has_every_step_ahead(owner_client, tenant):
    assert steps(owner_client) == {"Create a bot": False, "Add knowledge": False, "Try it in the playground": False,
                                   "Publish it": False}
    page = owner_client.get("/app/").content.decode()
    assert "0 of 4 done" in page
    assert 'href="/app/bots/new/"' in page


def test_the_steps_are_ticked_off_as_the_business_goes(owner_client, tenant, owner, bot, add_text):
    assert steps(owner_client) == {"Create a bot": True, "Add knowledge": False, "Try it in the playground": False,
                                   "Publish it": False}
    page = owner_client.get("/app/").content.decode()
    assert f'href="/app/knowledge/{bot.public_id}/"' in page  # the step leads to the bot's own page

    add_text(bot, "Shipping", "We ship to all of Sweden in two to four working days.")
    assert steps(owner_client)["Add knowledge"]

    conversation_start(bot=bot, channel=Channel.PLAYGROUND, visitor_id=str(owner.pk))  # opened, nothing asked
    assert not steps(owner_client)["Try it in the playground"]
    list(reply(conversation_start(bot=bot, channel=Channel.PLAYGROUND, visitor_id=str(owner.pk)),
               "How long does shipping take?"))
    assert steps(owner_client)["Try it in the playground"]
    assert not steps(owner_client)["Publish it"]

    widget_config_update(bot=bot, welcome_message="", allowed_domains=["teahouse.example"])
    assert all(steps(owner_client).values())
    page = owner_client.get("/app/").content.decode()
    assert "All set" in page
    assert "4 of 4 done" in page


def test_a_visitors_conversation_counts_as_published(owner_client, bot):
    conversation_start(bot=bot, channel=Channel.PAGE, visitor_id="v")
    assert steps(owner_client)["Publish it"]


def test_another_businesss_progress_does_not_count(owner_client, tenant, other_bot, add_text):
    add_text(other_bot, "Envíos", "Enviamos a todo el país.")
    assert not any(steps(owner_client).values())


def test_roles_that_cannot_make_bots_see_no_steps(client, tenant, member_with_role):
    client.force_login(member_with_role(Role.SUPPORT))
    page = client.get("/app/").content.decode()
    assert "Next steps" not in page
    assert 'class="step' not in page
