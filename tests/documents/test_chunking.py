import itertools
import random

from documents.chunking import chunk_sections
from documents.extract import Section

WORDS = ["aceite", "lavanda", "eucalipto", "menta", "romero", "naranja", "limon", "canela", "clavo", "jengibre"]


def long_text(n_words):
    return " ".join(WORDS[i % len(WORDS)] + str(i) for i in range(n_words))


def test_chunks_respect_the_size_and_never_cut_a_word():
    text = long_text(600)
    chunks = chunk_sections([Section(text)], size=300, overlap=60)
    words = set(text.split())
    assert all(len(chunk.text) <= 300 for chunk in chunks)
    for chunk in chunks:
        assert set(chunk.text.split()) <= words  # every token is a whole word of the source


def test_no_chunk_is_over_the_size_whatever_the_paragraphs():
    rng = random.Random(3)
    for _ in range(300):
        paragraphs = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 40))) for _ in range(rng.randint(2, 12))]
        size = rng.randint(100, 400)
        chunks = chunk_sections([Section("\n\n".join(paragraphs))], size=size, overlap=rng.randint(0, size // 2))
        assert max(len(chunk.text) for chunk in chunks) <= size


def test_consecutive_chunks_overlap():
    chunks = chunk_sections([Section(long_text(400))], size=300, overlap=80)
    for before, after in itertools.pairwise(chunks):
        assert before.text.split()[-1] in after.text.split()[:15]


def test_all_text_is_kept():
    text = long_text(500)
    chunks = chunk_sections([Section(text)], size=250, overlap=0)
    assert " ".join(chunk.text for chunk in chunks).split() == text.split()


def test_paragraphs_are_preferred_split_points():
    paragraphs = ["Primer párrafo sobre envíos. " * 5, "Segundo párrafo sobre pagos. " * 5]
    chunks = chunk_sections([Section("\n\n".join(paragraphs))], size=200, overlap=0)
    assert chunks[0].text.startswith("Primer")
    assert chunks[-1].text.rstrip().endswith("pagos.")
    assert not any("envíos" in c.text and "pagos" in c.text for c in chunks)


def test_a_heading_after_the_carried_overlap_stays_on_its_own_line():
    # The demo's shipping page: a heading right after a chunk boundary was run into the
    # carried text ("... $150.000.** ## Seguimiento") and the answer quoted it.
    sections = [Section("## Costo del envío\n\n" + "El envío cuesta $12.000 en Bogotá. " * 6),
                Section("## Seguimiento\n\n" + "Cuando despachamos te enviamos el número de guía. " * 3)]
    chunks = chunk_sections(sections, size=300, overlap=80)
    assert len(chunks) > 1
    assert any("Seguimiento" in chunk.text for chunk in chunks[1:])
    for chunk in chunks:
        assert all(line.startswith("## ") or "#" not in line for line in chunk.text.splitlines())
        assert len(chunk.text) <= 300


def test_each_chunk_keeps_where_it_came_from():
    sections = [Section(f"fila {i}: producto {i}", {"row": i}) for i in range(1, 41)]
    chunks = chunk_sections(sections, size=200, overlap=0)
    assert chunks[0].metadata["row"] == 1
    assert chunks[0].metadata["row_end"] > 1
    assert chunks[1].metadata["row"] == chunks[0].metadata["row_end"] + 1
    pages = chunk_sections([Section("uno " * 50, {"page": 1}), Section("dos " * 50, {"page": 2})], size=150)
    assert next(c.metadata["page"] for c in pages) == 1
    assert pages[-1].metadata["page"] == 2


def test_a_monster_word_is_cut_only_because_it_must():
    chunks = chunk_sections([Section("x" * 2500)], size=1000, overlap=0)
    assert "".join(c.text for c in chunks) == "x" * 2500
    assert len(chunks) == 3
    assert all(len(c.text) <= 1000 for c in chunks)
