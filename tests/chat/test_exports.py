"""CSV exports: their columns, formula injection neutralised, and only the tenant's rows."""

import csv
import io

import pytest

from chat.exports import CONVERSATION_COLUMNS, QUESTION_COLUMNS, safe_cell
from chat.models import Conversation, Feedback


def rows_of(response):
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(("value", "expected"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+57 300", "'+57 300"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("hola = bien", "hola = bien"),
    (-1, -1), (0.5, 0.5), (None, ""),
])
def test_cells_that_a_spreadsheet_would_run_are_escaped(value, expected):
    assert safe_cell(value) == expected


@pytest.mark.django_db
def test_the_questions_export_has_answers_sources_and_feedback(owner_client, shop_bot, ask, other_bot):
    _, answer = ask(shop_bot, "¿Cuánto tarda el envío a Medellín?")
    Feedback.objects.create(message=answer, rating=-1, comment="=cmd|' /C calc'!A0")
    ask(shop_bot, "=1+1 ¿tienen tienda en Cartagena?")
    ask(other_bot, "Pregunta de otra tienda")
    rows = rows_of(owner_client.get("/app/analytics/questions.csv?range=7"))
    assert rows[0] == QUESTION_COLUMNS
    assert len(rows) == 3  # the other tenant's question is not there
    first, second = (dict(zip(QUESTION_COLUMNS, row, strict=True)) for row in rows[1:])
    assert first["question"] == "¿Cuánto tarda el envío a Medellín?"
    assert first["answered"] == "yes"
    assert "Políticas de la tienda" in first["sources"]
    assert "Medellín" in first["answer"]
    assert (first["feedback"], first["feedback_comment"]) == ("-1", "'=cmd|' /C calc'!A0")
    assert second["question"] == "'=1+1 ¿tienen tienda en Cartagena?"
    assert second["answered"] == "no"
    assert second["origin"] == "unknown"
    assert second["reason"]


@pytest.mark.django_db
def test_the_conversations_export_follows_the_list_filters_and_search(owner_client, shop_bot, ask, other_bot):
    ask(shop_bot, "¿Cuánto tarda el envío a Medellín?")
    ask(shop_bot, "¿Aceptan Nequi?")
    ask(other_bot, "¿Aceptan Nequi en la otra tienda?")
    Conversation.objects.filter(title="¿Aceptan Nequi?").update(handover_reason="+quiere una persona")
    rows = rows_of(owner_client.get("/app/conversations/export.csv"))
    assert rows[0] == CONVERSATION_COLUMNS
    assert len(rows) == 3
    rows = rows_of(owner_client.get("/app/conversations/export.csv?q=nequi"))
    assert len(rows) == 2
    row = dict(zip(CONVERSATION_COLUMNS, rows[1], strict=True))
    assert (row["first_question"], row["messages"], row["handover_reason"]) == ("¿Aceptan Nequi?", "2",
                                                                                "'+quiere una persona")


@pytest.mark.django_db
def test_the_conversation_list_searches_titles_and_messages(owner_client, shop_bot, ask):
    ask(shop_bot, "¿Cuánto tarda el envío a Medellín?")
    ask(shop_bot, "¿Aceptan Nequi?")
    page = owner_client.get("/app/conversations/?q=medell%C3%ADn").content.decode()
    assert "Medellín?" in page
    assert "Aceptan Nequi" not in page
    page = owner_client.get("/app/conversations/?q=contra+entrega").content.decode()  # in an answer only
    assert "Aceptan Nequi" in page
    assert "Export CSV" in page


@pytest.mark.django_db
def test_support_may_export_conversations_and_questions_warehouse_neither(client, member_with_role, shop_bot):
    client.force_login(member_with_role("SUPPORT"))
    assert client.get("/app/conversations/export.csv").status_code == 200
    assert client.get("/app/analytics/questions.csv").status_code == 200
    client.force_login(member_with_role("WAREHOUSE"))
    assert client.get("/app/conversations/export.csv").status_code == 403
    assert client.get("/app/analytics/questions.csv").status_code == 403
