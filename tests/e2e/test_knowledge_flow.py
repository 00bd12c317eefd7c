"""The knowledge base, clicked through: upload, watch, fix, search."""

import pytest

from tests.fakes.pdf import make_pdf

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_upload_documents_retry_a_failure_and_test_retrieval(page, shot, django_user_model, tmp_path):
    from bots.services import bot_create
    from kaiu.accounts.services import tenant_create

    user = django_user_model.objects.create_user(email="ana@tienda.test", password="una-clave-bien-larga")
    bot_create(tenant=tenant_create(owner=user, name="Tienda Ana", language="es"), template=None, name="Asistente")
    files = {
        "manual.pdf": make_pdf(["Cómo diluir: 12 gotas por cada 30 ml de aceite portador.",
                                "Guarda los frascos lejos del sol."]),
        "precios.csv": "sku;nombre;precio\nKAIU-LAV-010;Lavanda 10 ml;38000\n".encode("latin-1"),
        "roto.pdf": make_pdf(["x" * 200])[:220],
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)

    page.goto("/accounts/login/")
    page.fill("#id_username", "ana@tienda.test")
    page.fill("#id_password", "una-clave-bien-larga")
    page.click("button:has-text('Log in')")
    page.click("nav >> text=Knowledge")
    page.click("text=Asistente")
    page.set_input_files("input[type=file]", [str(tmp_path / name) for name in files])
    page.click("button:has-text('Upload')")
    page.wait_for_selector("text=Added “manual.pdf”, “precios.csv”, “roto.pdf”")
    page.fill("#id_title", "Horario")
    page.fill("#id_text", "Atendemos de lunes a viernes de 8 a 18 horas.")
    page.click("button:has-text('Add text')")
    page.wait_for_selector("text=Added “Horario”")
    shot("10-knowledge")
    rows = page.locator("#document-rows tbody tr")
    assert rows.count() == 4
    assert page.locator(".badge-doc-processed").count() == 3
    assert page.locator("text=This PDF is damaged").is_visible()

    page.click("button:has-text('Retry')")
    page.wait_for_selector("text=Processing “roto.pdf” again.")
    assert page.locator("text=This PDF is damaged").is_visible()  # still broken, still explained

    page.fill("#id_q", "¿cuántas gotas por cada 30 ml?")
    page.click("button:has-text('Search')")
    page.wait_for_selector(".hit")
    assert "12 gotas" in page.locator(".hit").first.inner_text()
    assert "page 1" in page.locator(".hit-meta").first.inner_text()
    shot("11-retrieval")

    page.click("text=manual.pdf")
    page.wait_for_selector("text=Chunks")
    assert page.locator(".chunk").count() == 1  # two short pages share one chunk
    assert "page 1–2" in page.locator(".chunk-head").first.inner_text()
    shot("12-document")
