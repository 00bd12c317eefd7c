"""Rebuild benchmarks/quality/documents/ from the Debian packages named in questions.json.

How each file was made, so anyone can check that it is the upstream text and nothing else:

    copy        the file as the package ships it (the PDFs)
    gunzip      the package's .txt.gz, decompressed (plain-text renderings the package ships)
    html        the package's DocBook HTML manual, pages in reading order (following each
                page's "next" link from index.html), converted to Markdown by the small
                converter below: headings, paragraphs, list items, code blocks and table
                rows; navigation bars and tables of contents left out
    epub        the package's EPUB, pages in the order of its spine (content.opf), converted
                to Markdown the same way; a formula drawn as an image keeps its alt text

Run from the repository root on a Debian machine (apt-get must reach the archive; run
`apt-get update` once first):

    python3 benchmarks/quality/build.py           # download, extract, convert, compare
    python3 benchmarks/quality/build.py --debs /tmp/debs   # reuse downloaded .deb files

Only the standard library is used. A package whose version differs from the one recorded
in questions.json is reported: the questions were checked against that version's text.
"""

from __future__ import annotations

import argparse
import glob
import gzip
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from posixpath import dirname, join, normpath

HERE = Path(__file__).resolve().parent
DATASET = HERE / "questions.json"
OUTPUT = HERE / "documents"

BLOCKS = {"p", "div", "section", "dt", "dd", "li", "tr", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
          "blockquote", "figcaption", "table", "dl", "ul", "ol", "br", "hr"}
VOID = {"br", "hr", "img", "meta", "link", "col", "input", "area", "base", "wbr", "source"}
SKIPPED_CLASSES = {"navheader", "navfooter", "toc", "list-of-tables", "list-of-figures", "list-of-examples",
                   "headerlink"}
LATEX = {r"\Omega": "Ω", r"\pm": "±", r"\mu": "µ", r"\pi": "π", r"\times": "×", r"\circ": "°", r"\omega": "ω",
         r"\theta": "θ", r"\lambda": "λ", r"\sqrt": "√", r"\approx": "≈", r"\le": "≤", r"\ge": "≥"}


class Markdown(HTMLParser):
    """HTML to Markdown, enough for DocBook and Sphinx output: text comes out in document
    order, block elements become paragraphs, h1-h6 become #-headings."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.prefix = ""
        self.skip_depth = 0  # inside an element left out (navigation, table of contents)
        self.stack: list[tuple[str, bool]] = []
        self.pre = 0
        self.cells: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        skipped = bool(classes & SKIPPED_CLASSES) or tag in ("script", "style", "head")
        if tag not in VOID:
            self.stack.append((tag, skipped))
            if skipped:
                self.skip_depth += 1
        if self.skip_depth:
            return
        if tag == "img" and "math" in classes:
            self.current.append(" " + _formula(attributes.get("alt") or "") + " ")
        elif tag == "tr":
            self._flush()
            self.cells = []
        elif tag in ("td", "th") and self.cells is not None:
            self._flush_cell()
        elif tag in BLOCKS:
            self._flush()
            if tag.startswith("h") and tag[1:].isdigit():
                self.prefix = "#" * int(tag[1]) + " "
            elif tag == "li":
                self.prefix = "- "
            elif tag == "pre":
                self.pre += 1

    def handle_endtag(self, tag):
        if tag in VOID:  # XHTML's <br />, <img /> and <meta /> close nothing
            return
        while self.stack:
            open_tag, skipped = self.stack.pop()
            if skipped:
                self.skip_depth -= 1
            if open_tag == tag:
                break
        if self.skip_depth:
            return
        if tag in ("td", "th") and self.cells is not None:
            self._flush_cell()
        elif tag == "tr" and self.cells is not None:
            self._flush_cell()
            row = [cell for cell in self.cells if cell]
            if row:
                self.blocks.append(" | ".join(row))
            self.cells = None
        elif tag in BLOCKS:
            self._flush()
            if tag == "pre":
                self.pre -= 1

    def handle_data(self, data):
        if not self.skip_depth:
            self.current.append(data)

    def _flush_cell(self):
        text = " ".join("".join(self.current).split())
        self.current = []
        if text:
            self.cells.append(text)

    def _flush(self):
        if self.cells is not None:
            return  # text of a table row is gathered cell by cell
        raw = "".join(self.current)
        self.current = []
        if self.pre:
            text = raw.strip("\n")
            if text.strip():
                self.blocks.append("```\n" + text + "\n```")
        else:
            text = " ".join(raw.split())
            if text:
                self.blocks.append(self.prefix + text)
        self.prefix = ""

    def markdown(self) -> str:
        self._flush()
        return "\n\n".join(self.blocks)


def _formula(alt: str) -> str:
    for command, symbol in LATEX.items():
        alt = alt.replace(command, symbol)
    return alt.replace("~", " ").replace("\\", "").replace("{", "").replace("}", "").strip()


def html_to_markdown(text: str) -> str:
    parser = Markdown()
    parser.feed(text)
    parser.close()
    return parser.markdown()


# --- Ways of making a file ----------------------------------------------------------------


def make_copy(root: Path, path: str) -> bytes:
    return (root / path.lstrip("/")).read_bytes()


def make_gunzip(root: Path, path: str) -> bytes:
    return gzip.decompress((root / path.lstrip("/")).read_bytes())


def make_html(root: Path, path: str) -> bytes:
    """`path` is the manual's index.html; the other pages follow its "next" links."""
    folder = (root / path.lstrip("/")).parent
    page, seen, parts = Path(path).name, set(), []
    while page and page not in seen:
        seen.add(page)
        text = (folder / page).read_text(encoding="utf-8")
        parts.append(html_to_markdown(text))
        found = re.search(r'<link rel="next" href="([^"]+)"', text)
        page = html.unescape(found.group(1)) if found else ""
    return ("\n\n".join(parts) + "\n").encode()


def make_epub(root: Path, path: str) -> bytes:
    with zipfile.ZipFile(root / path.lstrip("/")) as book:
        container = book.read("META-INF/container.xml").decode()
        opf = re.search(r'full-path="([^"]+)"', container).group(1)
        package = book.read(opf).decode()
        hrefs = dict(re.findall(r'<item id="([^"]+)" href="([^"]+)"', package))
        spine = re.findall(r'<itemref idref="([^"]+)"', package)
        parts = [html_to_markdown(book.read(normpath(join(dirname(opf), hrefs[item]))).decode()) for item in spine]
    return ("\n\n".join(part for part in parts if part) + "\n").encode()


MAKERS = {"copy": make_copy, "gunzip": make_gunzip, "html": make_html, "epub": make_epub}


# --- Packages -----------------------------------------------------------------------------


def fetch(package: str, version: str, debs: Path) -> Path:
    """The package's .deb in `debs` (downloaded with apt-get if it is not there yet)."""
    found = sorted(glob.glob(str(debs / f"{package}_*.deb")))
    if not found:
        subprocess.run(["apt-get", "download", package], cwd=debs, check=True)
        found = sorted(glob.glob(str(debs / f"{package}_*.deb")))
    deb = Path(found[-1])
    shipped = subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], capture_output=True, text=True,
                             check=True).stdout.strip()
    if shipped != version:
        print(f"  note: {package} is {shipped}, the questions were checked against {version}", file=sys.stderr)
    return deb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--debs", type=Path, help="folder with (or for) the downloaded .deb files")
    parser.add_argument("--check", action="store_true", help="only compare with the committed files")
    args = parser.parse_args()
    documents = json.loads(DATASET.read_text(encoding="utf-8"))["documents"]
    work = Path(tempfile.mkdtemp(prefix="kaiu-quality-build-"))
    debs = args.debs or work
    debs.mkdir(parents=True, exist_ok=True)
    OUTPUT.mkdir(exist_ok=True)
    different = 0
    try:
        for document in documents:
            deb = fetch(document["package"], document["version"], debs)
            root = work / document["package"]
            if not root.exists():
                subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
            data = MAKERS[document["made_by"]](root, document["path"])
            target = OUTPUT / document["file"]
            same = target.exists() and target.read_bytes() == data
            different += not same
            if not args.check:
                target.write_bytes(data)
            print(f"{document['file']}: {len(data):,} bytes, {'unchanged' if same else 'new or changed'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if args.check and different else 0


if __name__ == "__main__":
    sys.exit(main())
