"""Answers as HTML: Markdown rendered, then sanitised with nh3, so neither a document nor a
model can put script, styles, images or forms on a visitor's page."""

import re

import markdown
import nh3

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "code", "pre", "blockquote", "a", "sup",
                "h3", "h4", "hr", "table", "thead", "tbody", "tr", "th", "td"}
_CITATION = re.compile(r"\[(\d{1,2})\]")


def render_answer(text: str) -> str:
    # Headings shrink to h3/h4 below: an answer is not a page.
    html = markdown.markdown(text, extensions=["sane_lists", "tables"], output_format="html")
    html = re.sub(r"<(/?)h[1-2]>", r"<\1h3>", html)
    html = _CITATION.sub(r'<sup class="cite" data-n="\1">\1</sup>', html)
    return nh3.clean(
        html, tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "sup": {"class", "data-n"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")
