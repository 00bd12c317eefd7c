"""Answers as HTML: Markdown, citations and sanitising."""

import random

from chat import render


def test_plain_answers_skip_markdown_and_come_out_as_markdown_would_make_them():
    words = ["envío", "Bogotá", "de", "la", "casa", "pago", "días"] * 6
    marks = ["1", "2.", "10.5", "[1]", "[2]", "[12]", "(", ")", ".", ",", ":", "-", "+", "#", "=", "'", '"', "¿",
             "?", "¡", "!", "%", "$", "/", "http://x.co", "a@b.co", "  ", "\t", "\n", "…", "«", "—", "*", "_",
             "`", "<", ">", "&", "|", "\\", "~", "{", "e.g.", "3)", "    "]
    rng, plain = random.Random(5), 0
    for _ in range(20_000):
        text = "".join(rng.choice(words + marks) + rng.choice(["", " "]) for _ in range(rng.randint(1, 10)))
        fast = render._plain_paragraph(text)
        if fast is not None:
            plain += 1
            assert fast == render._markdown_html(text), text
    assert plain > 2_000  # the comparison covered many texts, not a few

    assert render.render_answer("") == ""  # a model that streamed nothing: no empty paragraph
    answer = "Enviamos a toda Colombia (Bogotá: 1 a 2 días) [1]. Aceptamos pago contra entrega [2]."
    assert render._plain_paragraph(answer) is not None
    assert render.render_answer(answer) == (
        '<p>Enviamos a toda Colombia (Bogotá: 1 a 2 días) <sup class="cite" data-n="1">1</sup>. '
        'Aceptamos pago contra entrega <sup class="cite" data-n="2">2</sup>.</p>')


def test_answers_with_markdown_are_rendered_and_sanitised():
    html = render.render_answer("# Envíos\n\n- **Bogotá**: 1 día [1]\n- [mira](javascript:alert(1)) <script>x</script>")
    assert "<h3>Envíos</h3>" in html
    assert "<strong>Bogotá</strong>" in html
    assert "<li>" in html
    assert '<sup class="cite" data-n="1">1</sup>' in html
    assert "<script" not in html
    assert "javascript:" not in html
