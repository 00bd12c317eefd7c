"""Answers as HTML: Markdown rendered, then sanitised with nh3, so neither a document nor a
model can put script, styles, images or forms on a visitor's page."""

import re
import threading

import markdown
import nh3

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "code", "pre", "blockquote", "a", "sup",
                "h3", "h4", "hr", "table", "thead", "tbody", "tr", "th", "td"}
_CITATION = re.compile(r"\[(\d{1,2})\]")


_local = threading.local()


def _markdown() -> markdown.Markdown:
    """One converter per thread (a converter is not thread-safe): building one loads its
    extensions, half the time of rendering a short answer."""
    converter = getattr(_local, "markdown", None)
    if converter is None:
        converter = _local.markdown = markdown.Markdown(extensions=["sane_lists", "tables"], output_format="html")
    return converter.reset()


def render_answer(text: str) -> str:
    # Headings shrink to h3/h4 below: an answer is not a page.
    html = _markdown().convert(text)
    html = re.sub(r"<(/?)h[1-2]>", r"<\1h3>", html)
    html = _CITATION.sub(r'<sup class="cite" data-n="\1">\1</sup>', html)
    return nh3.clean(
        html, tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "sup": {"class", "data-n"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")
