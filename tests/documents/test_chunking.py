import itertools
import json
import random

from documents.chunking import chunk_sections
from documents.extract import JSON, Section, extract

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


# --- Whole sentences, whole records (issue 15) ----------------------------------------------

TEAS = [("Gyokuro Asahi", 189, "Japan"), ("Sencha Yutaka", 89, "Japan"), ("Sencha Kirishima", 129, "Japan"),
        ("Sencha Fukamushi", 79, "Japan"), ("Darjeeling First Flush", 149, "India"), ("Kenya Milima", 69, "Kenya")]


def tea_rows(count=30):
    """CSV rows as extract_csv renders them, of uneven length like a real catalogue's."""
    rows = []
    for number in range(1, count + 1):
        name, price, origin = TEAS[number % len(TEAS)]
        description = "A tea with a story of its own. " * (number % 5)
        text = f"name: {name} {number}\nprice_sek: {price}\nweight: 100 g\norigin: {origin}"
        rows.append(Section(text + (f"\ndescription: {description.strip()}" if description else ""), {"row": number}))
    return rows


def test_a_csv_row_is_never_split_and_a_chunk_begins_with_the_first_row_it_is_labelled_with():
    rows = tea_rows()
    chunks = chunk_sections(rows, size=300, overlap=80)
    assert len(chunks) > 5
    for chunk in chunks:
        first, last = chunk.metadata["row"], chunk.metadata.get("row_end", chunk.metadata["row"])
        assert chunk.text == "\n\n".join(row.text for row in rows[first - 1:last])
    covered = [row for chunk in chunks
               for row in range(chunk.metadata["row"], chunk.metadata.get("row_end", chunk.metadata["row"]) + 1)]
    assert covered == list(range(1, 31))


def test_a_record_longer_than_a_chunk_is_a_chunk_of_its_own():
    rows = tea_rows(6)
    description = ("Steamed sencha from Kyushu. " * 20).strip()
    rows[2] = Section(f"name: Sencha Kagoshima\nprice_sek: 129\ndescription: {description}", {"row": 3})
    chunks = chunk_sections(rows, size=300, overlap=80)
    assert len(rows[2].text) > 300
    [own] = [chunk for chunk in chunks if "Kagoshima" in chunk.text]
    assert own.text == rows[2].text
    assert own.metadata == {"row": 3}


def test_a_record_past_the_hard_cap_is_cut_and_each_piece_names_its_record():
    description = " ".join(f"Note {i} about the harvest." for i in range(200))
    record = Section(f"name: Sencha Kirishima\nprice_sek: 129\ndescription: {description}\norigin: Japan", {"row": 7})
    chunks = chunk_sections([record], size=300, overlap=80)
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.text.startswith("name: Sencha Kirishima\n")
        assert len(chunk.text) <= 4 * 300
        assert chunk.metadata == {"row": 7}
    assert "price_sek: 129" in chunks[0].text
    assert chunks[-1].text.endswith("origin: Japan")
    assert " ".join(chunk.text for chunk in chunks).count("Note 199 about the harvest.") == 1


def test_the_items_of_a_json_object_s_product_list_are_records_too():
    data = json.dumps({"shop": "Te Verde", "products": [
        {"name": name, "price_sek": price, "notes": "Loose leaf tea, packed by hand."}
        for name, price, _ in TEAS]}).encode()
    sections = extract(data, JSON)
    assert sections[0].text == "shop: Te Verde"
    assert [s.metadata for s in sections[1:3]] == [{"item": 1, "heading": "products"},
                                                   {"item": 2, "heading": "products"}]
    assert sections[3].text.startswith("name: Sencha Kirishima\nprice_sek: 129\n")
    chunks = chunk_sections(sections, size=300, overlap=80)
    assert [chunk.text.split("\n\n") for chunk in chunks] == [
        [s.text for s in sections[first:last]] for first, last in ((0, 1), (1, 4), (4, 7))]


def test_the_overlap_starts_at_a_sentence_and_lines_keep_their_breaks():
    text = ("Returns\n" + " ".join(f"Rule {i} says tea number {i} may come back within {i} days." for i in range(12))
            + "\nShipping\n- Free over 500 SEK.\n- A flat fee of 49 SEK below that.")
    chunks = chunk_sections([Section(text)], size=300, overlap=120)
    assert len(chunks) > 2
    for chunk in chunks[1:]:
        assert chunk.text.startswith(("Rule ", "Shipping", "- "))
    assert chunks[0].text.startswith("Returns\nRule 0 says")  # a heading is not run into the sentence after it
    assert chunks[-1].text.endswith("days.\nShipping\n\n- Free over 500 SEK.\n- A flat fee of 49 SEK below that.")


def test_a_chunk_never_opens_with_a_piece_of_a_sentence_longer_than_the_overlap():
    sentences = [f"Orders to zone {i} arrive within {i} working days; orders to the other Nordic countries take "
                 f"{i + 2} to {i + 4} working days with PostNord." for i in range(10)]
    chunks = chunk_sections([Section(" ".join(sentences))], size=300, overlap=80)
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.text.startswith("Orders to zone ")


def test_a_question_closing_a_chunk_moves_to_the_chunk_of_its_answer():
    faq = "\n\n".join(
        f"{n}.1. How do I do thing number {n}?\n\n" + " ".join(f"Answer {n} sentence {i} is here." for i in range(8))
        for n in range(1, 7))
    chunks = chunk_sections([Section(faq)], size=300, overlap=0)
    for chunk in chunks:
        assert not chunk.text.rstrip().endswith("?")  # no question is left without its answer
    for n in range(1, 7):
        [holding] = [chunk for chunk in chunks if f"How do I do thing number {n}?" in chunk.text]
        assert f"Answer {n} sentence 0" in holding.text
    assert max(len(chunk.text) for chunk in chunks) <= 300


def test_a_table_of_contents_is_marked_as_such():
    contents = "\n".join(f"6.{n}. What does section {n} of the archive contain, and why?" for n in range(1, 12))
    prose = " ".join(f"The archive holds package number {n} in its pool." for n in range(30))
    listing = "\n".join(f"{n} Source: gentoo line {n}" for n in range(1, 12))
    chunks = chunk_sections([Section(contents), Section(prose), Section(listing)], size=600, overlap=0)
    marked = [chunk.text for chunk in chunks if chunk.metadata.get("contents")]
    assert marked
    assert all(text.startswith("6.") for text in marked)
    assert not any("Source: gentoo" in text or "pool" in text for text in marked)
