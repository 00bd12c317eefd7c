"""Minimal PDFs written by hand, so tests need no PDF library to make them."""

import io

# Helvetica advance widths (1/1000 em) of the characters the tests use; others count as 556.
_WIDTHS = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyz",
        [
            556,
            556,
            500,
            556,
            556,
            278,
            556,
            556,
            222,
            222,
            500,
            222,
            833,
            556,
            556,
            556,
            556,
            333,
            500,
            278,
            556,
            500,
            722,
            500,
            500,
            500,
        ],
        strict=True,
    )
)
_WIDTHS.update({"L": 556, "T": 611, "E": 667, ".": 278, ",": 278, ":": 278})


def text_width(text: str, size: float) -> float:
    return sum(_WIDTHS.get(char, 556) for char in text) * size / 1000


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[str], *, word_by_word: bool = False) -> bytes:
    """A PDF with one page per string (Helvetica, WinAnsi encoding, lines split on \\n).

    word_by_word places every word with its own positioning operator and no space
    characters at all, the way TeX output does: a reader must infer the spaces from the gaps.
    """
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None,
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    page_ids = []
    for text in pages:
        ops = ["BT", "/F1 11 Tf"]
        y = 800
        for line in text.split("\n"):
            if word_by_word:
                x = 50
                for word in line.split():
                    ops.append(f"1 0 0 1 {x:.2f} {y} Tm ({_escape(word)}) Tj")
                    x += text_width(word, 11) + 2.5  # a TeX-sized gap, and no space glyph

            else:
                ops.append(f"1 0 0 1 50 {y} Tm ({_escape(line)}) Tj")
            y -= 14
        ops.append("ET")
        stream = "\n".join(ops).encode("cp1252")
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode("latin-1") + stream + b"\nendstream")
        content_id = len(objects)
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                       f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R >>")
        page_ids.append(len(objects))
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    objects[1] = f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>"

    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        body = body if isinstance(body, bytes) else body.encode("latin-1")
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def encrypt_pdf(data: bytes, password: str = "secret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password=password + "-owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
