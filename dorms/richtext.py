"""Notice bodies: a small safe subset of Markdown, rendered by markdown-it-py and sanitised.

Raw HTML in the source is never passed through (markdown-it's `html` option is off, so it is
escaped as text); images are off (attachments carry pictures). The output is cleaned once more
by nh3 (the Ammonia sanitiser) with an allow-list of tags, and links may only be http(s) or
mailto, opened with rel="noopener noreferrer nofollow".
"""

import html as html_lib
from functools import lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

TAGS = {
    *("p", "br", "strong", "em", "code", "pre", "blockquote", "hr"),
    *("ul", "ol", "li", "a", "h3", "h4", "h5", "h6"),
}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    return parser.disable(["image"])


def render_markdown(text: str) -> SafeString:
    """The body as safe HTML; headings start at h3 (the page owns h1 and h2)."""
    return mark_safe(_render(text or ""))  # noqa: S308 — sanitised by nh3 in _render


# Published bodies are frozen and read far more often than written: an API page of 50
# notices renders each once per process, not once per request.
@lru_cache(maxsize=2048)
def _render(text: str) -> str:
    html = _parser().render(text)
    for level in (2, 1):  # "# x" and "## x" become h3: one page, one h1
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return cleaned


def plain_text(text: str, limit: int = 200) -> str:
    """The body without markup, for notifications, feeds and search snippets."""
    html = _parser().render(text or "")
    plain = html_lib.unescape(nh3.clean(html, tags=set()))
    return " ".join(plain.split())[:limit]
