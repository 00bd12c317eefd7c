"""Minimal PDFs written by hand, so tests need no PDF library to make them."""

import io
import zlib

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
    return _assemble(objects)


def _assemble(objects: list) -> bytes:
    """A PDF file of numbered objects (str or bytes), with its cross-reference table."""
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


def one_page_pdf(content: bytes) -> bytes:
    """A one-page PDF whose page content is `content`, already Flate-compressed."""
    return _assemble([
        "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        "/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
        f"<< /Length {len(content)} /Filter /FlateDecode >>\nstream\n".encode() + content + b"\nendstream",
    ])


def make_space_bomb(inflated_mb: int) -> bytes:
    """A PDF of a few hundred KB whose page content inflates to `inflated_mb` MB of spaces
    around one word: PDFium holds all of it in memory.

    Built without holding the inflated stream: after a full flush, deflate compresses each
    identical megabyte to identical bytes, so one compressed megabyte is repeated and only
    the Adler-32 checksum at the end is computed over the whole."""
    head, megabyte, tail = b"BT /F1 11 Tf 50 800 Td (Hola) Tj ", b" " * (1 << 20), b" ET"
    compressor = zlib.compressobj(9)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(megabyte) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.compress(tail) + compressor.flush()
    checksum = zlib.adler32(head)
    for _ in range(inflated_mb):
        checksum = zlib.adler32(megabyte, checksum)
    checksum = zlib.adler32(tail, checksum)
    return one_page_pdf(start + block * inflated_mb + end[:-4] + checksum.to_bytes(4, "big"))


def make_text_bomb(lines: int) -> bytes:
    """A PDF of a few KB with one page of `lines` lines of 9,000 to 15,000 characters, in
    1-point type squeezed to 1 % width so that all of them lie on the page: PDFium keeps about
    250 bytes for each character (300 lines: 4.2 million characters, 1.2 GB)."""
    content = b"BT /F1 1 Tf 1 Tz 50 800 Td " + b"".join(
        b"(" + (b"w%d " % line) * 3000 + b") Tj 0 -0.8 Td " for line in range(lines)) + b" ET"
    return one_page_pdf(zlib.compress(content, 9))


def encrypt_pdf(data: bytes, password: str = "secret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password=password + "-owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
