from bots.models import Bot, Template, WidgetConfig
from kaiu.accounts.models import Plan


def test_bot_list_shows_an_empty_state(owner_client, tenant):
    page = owner_client.get("/app/bots/").content.decode()
    assert "No bots yet" in page
    assert "Create your first bot" in page


def test_create_from_a_template_copies_its_defaults(owner_client, tenant):
    template = Template.objects.get(slug="product-expert")
    response = owner_client.post("/app/bots/new/", {"template": template.pk, "name": "Experta",
                                                    "description": "Recomienda"})
    bot = Bot.objects.get(tenant=tenant, name="Experta")
    assert response["Location"] == f"/app/bots/{bot.public_id}/"
    assert bot.rag_config["chunk_size"] == template.default_rag_config["chunk_size"] == 800
    template = template.in_language(tenant.language)
    assert bot.welcome_message == template.welcome_message
    assert bot.language == tenant.language
    assert bot.active_prompt.version == 1
    assert "Alpha Shop" in bot.active_prompt.content
    assert "{business}" not in bot.active_prompt.content
    widget = WidgetConfig.objects.get(bot=bot)
    assert widget.starter_questions == template.sample_queries
    assert widget.allowed_domains == []


def test_a_blank_bot_has_no_prompt(owner_client, tenant):
    owner_client.post("/app/bots/new/", {"template": "", "name": "Blank"})
    assert Bot.objects.get(tenant=tenant, name="Blank").active_prompt is None


def test_the_plan_limits_the_number_of_bots(owner_client, tenant):
    Plan.objects.filter(pk=tenant.plan_id).update(max_bots=1)
    owner_client.post("/app/bots/new/", {"template": "", "name": "One"})
    response = owner_client.post("/app/bots/new/", {"template": "", "name": "Two"})
    assert response.status_code == 200
    assert "allows 1 bot" in response.content.decode()
    assert list(Bot.objects.filter(tenant=tenant).values_list("name", flat=True)) == ["One"]


def test_an_empty_name_is_refused(owner_client, tenant):
    response = owner_client.post("/app/bots/new/", {"template": "", "name": "  "})
    assert response.status_code == 200
    assert not Bot.objects.exists()


def test_edit_saves_name_description_and_language(owner_client, bot):
    owner_client.post(f"/app/bots/{bot.public_id}/edit/", {
        "name": "Renamed", "description": "New text", "language": "en"})
    bot.refresh_from_db()
    assert (bot.name, bot.description, bot.language) == ("Renamed", "New text", "en")


def test_delete_asks_for_confirmation_first(owner_client, bot):
    page = owner_client.get(f"/app/bots/{bot.public_id}/delete/").content.decode()
    assert "cannot be undone" in page
    assert Bot.objects.filter(pk=bot.pk).exists()
    owner_client.post(f"/app/bots/{bot.public_id}/delete/")
    assert not Bot.objects.filter(pk=bot.pk).exists()


def test_it_refuses_another_tenants_bot(owner_client, tenant, other_bot):
    for suffix in ("", "edit/", "delete/"):
        assert owner_client.post(f"/app/bots/{other_bot.public_id}/{suffix}", {"name": "x"}).status_code == 404
    other_bot.refresh_from_db()
    assert other_bot.name == "Beta bot"


def test_public_ids_are_random_and_unique(tenant, owner):
    from bots.services import bot_create

    Plan.objects.filter(pk=tenant.plan_id).update(max_bots=50)
    tenant.refresh_from_db()
    ids = {bot_create(tenant=tenant, template=None, name=f"b{i}").public_id for i in range(20)}
    assert len(ids) == 20
    assert all(len(i) == 10 for i in ids)
