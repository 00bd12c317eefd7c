"""The knowledge base, clicked through: upload, watch, fix, search."""

import pytest

from tests.fakes.pdf import make_pdf

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_upload_documents_see_failures_explained_and_test_retrieval(page, shot, django_user_model, tmp_path):
    from bots.services import bot_create
    from kaiu.accounts.services import tenant_create

    user = django_user_model.objects.create_user(email="ana@tienda.test", password="una-clave-bien-larga")
    bot_create(tenant=tenant_create(owner=user, name="Tienda Ana", language="es"), template=None, name="Asistente")
    files = {
        "manual.pdf": make_pdf(["Cómo diluir: 12 gotas por cada 30 ml de aceite portador.",
                                "Guarda los frascos lejos del sol."]),
        "precios.csv": "sku;nombre;precio\nKAIU-LAV-010;Lavanda 10 ml;38000\n".encode("latin-1"),
        "roto.pdf": make_pdf(["x" * 200])[:220],
        "vacio.txt": b"",
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
    assert page.locator("text=“vacio.txt”: The file is empty.").is_visible()  # refused alone, the rest kept
    shot("09-upload-refusals")
    page.fill("#id_title", "Horario")
    page.fill("#id_text", "Atendemos de lunes a viernes de 8 a 18 horas.")
    page.click("button:has-text('Add text')")
    page.wait_for_selector("text=Added “Horario”")
    shot("10-knowledge")
    rows = page.locator("#document-rows tbody tr")
    assert rows.count() == 4
    assert page.locator(".badge-doc-processed").count() == 3
    assert page.locator("text=This PDF is damaged").is_visible()

    # The same bytes would fail the same way: no Retry to click.
    assert page.locator("button:has-text('Retry')").count() == 0

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


def test_at_phone_width_an_empty_file_is_refused_alone(page, shot, django_user_model, tmp_path):
    from bots.services import bot_create
    from kaiu.accounts.services import tenant_create

    user = django_user_model.objects.create_user(email="ana@tienda.test", password="una-clave-bien-larga")
    bot = bot_create(tenant=tenant_create(owner=user, name="Tienda Ana"), template=None, name="Asistente")
    (tmp_path / "vacio.txt").write_bytes(b"")
    (tmp_path / "horario.txt").write_bytes(b"Atendemos de 8 a 18 horas.")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/accounts/login/")
    page.fill("#id_username", "ana@tienda.test")
    page.fill("#id_password", "una-clave-bien-larga")
    page.click("button:has-text('Log in')")
    page.goto(f"/app/knowledge/{bot.public_id}/")
    page.set_input_files("input[type=file]", [str(tmp_path / "vacio.txt"), str(tmp_path / "horario.txt")])
    page.click("button:has-text('Upload')")
    page.wait_for_selector("text=Added “horario.txt”")
    assert page.locator("text=“vacio.txt”: The file is empty.").is_visible()
    shot("13-upload-refusals-phone")
