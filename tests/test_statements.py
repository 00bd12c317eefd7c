"""kaiu.statements writes a row exactly as Model.save() would, for the models the chat
writes that way."""

from django.db import connection

from chat.models import Channel, Conversation, Message, QueryLog
from kaiu.statements import insert_statement, mark_saved, with_clause

MOMENTS = {"created_at", "updated_at"}  # set at write time: both must be filled, not equal


def _stored(instance) -> dict:
    row = type(instance).objects.filter(pk=instance.pk).values().get()
    return {name: value for name, value in row.items() if name != "id"}


def _written_both_ways(make):
    """The same instance written by insert_statement and by save(), as stored rows."""
    by_statement, by_save = make(), make()
    with connection.cursor() as cursor:
        cursor.execute(*insert_statement(by_statement))
    if by_statement._meta.pk.db_returning:  # a serial id: find the row by everything else
        by_statement.pk = type(by_statement).objects.order_by("-pk").values_list("pk", flat=True).first()
    mark_saved(by_statement)
    by_save.save()
    return _stored(by_statement), _stored(by_save)


def _assert_same(statement_row: dict, save_row: dict, *, differ=()):
    for name in statement_row.keys() - MOMENTS - set(differ):
        assert statement_row[name] == save_row[name], name
    for name in statement_row.keys() & MOMENTS:
        assert statement_row[name] is not None, name


def test_a_conversation_is_written_as_save_writes_it(bot):
    row, saved = _written_both_ways(lambda: Conversation(tenant_id=bot.tenant_id, bot=bot, channel=Channel.PAGE,
                                                         visitor_id="visitor-1"))
    _assert_same(row, saved)


def test_a_message_with_sources_is_written_as_save_writes_it(bot):
    conversation = Conversation.objects.create(tenant_id=bot.tenant_id, bot=bot, channel=Channel.API)
    sources = [{"n": 1, "document": "d", "score": 0.5, "text": "Envíos a Cali"}]

    def make():
        return Message(conversation=conversation, role=Message.Role.ASSISTANT, content="Hola [1]", sources=sources,
                       model="builtin", tokens_in=3, timings={"total": 1.5}, top_score=0.5, origin="model")

    row, saved = _written_both_ways(make)
    _assert_same(row, saved)
    assert row["sources"] == sources


def test_a_query_log_is_written_as_save_writes_it(bot):
    conversation = Conversation.objects.create(tenant_id=bot.tenant_id, bot=bot, channel=Channel.API)

    def make():
        return QueryLog(tenant_id=bot.tenant_id, bot=bot, conversation=conversation, channel=Channel.API,
                        question="¿Envían a Cali?", origin="unknown", answered=False, top_score=0.1, total_ms=3.2)

    row, saved = _written_both_ways(make)
    _assert_same(row, saved)


def test_only_if_false_writes_nothing(bot):
    sql, params = insert_statement(Conversation(tenant_id=bot.tenant_id, bot=bot, channel=Channel.PAGE),
                                   only_if="false")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    assert not Conversation.objects.exists()


def test_writes_run_together_in_one_statement(bot):
    first = Conversation(tenant_id=bot.tenant_id, bot=bot, channel=Channel.PAGE)
    second = Conversation(tenant_id=bot.tenant_id, bot=bot, channel=Channel.WIDGET)
    ctes, params = with_clause([insert_statement(first), insert_statement(second)])
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {ctes} SELECT 1", params)
    assert set(Conversation.objects.values_list("channel", flat=True)) == {"PAGE", "WIDGET"}
