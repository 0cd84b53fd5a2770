"""Article bodies: Markdown (CommonMark with tables) rendered to HTML, then sanitised with nh3.

Raw HTML in the Markdown is passed to the sanitiser rather than escaped, so a
``<script>`` disappears with its content, an ``onerror=`` attribute is dropped
and a ``javascript:`` link loses its address: nothing executable survives,
whatever the editor pasted. Headings move one level down (``#`` becomes
``<h2>``) because the article's title is the page's only ``<h1>``.
"""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "abbr", "sub", "sup",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "abbr": {"title"}, "th": {"scope"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

_parser = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"])


def render(markdown: str) -> str:
    """Sanitised HTML for ``markdown``."""
    tokens = _parser.parse(markdown or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
        elif token.type == "th_open":
            # Header cells of a Markdown table head their column.
            token.attrs = {"scope": "col"}
        elif token.type == "td_open":
            token.attrs = {}
    html = _parser.renderer.render(tokens, _parser.options, {})
    return sanitise(html)


def sanitise(html: str) -> str:
    """``html`` with only the tags, attributes and link schemes an article may use."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()
