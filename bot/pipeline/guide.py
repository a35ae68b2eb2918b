"""/guide: the staff guide (docs/guide-equipe.md) sent as a document staff can open on a phone.

Staff cannot open a file of a git repository from Telegram, so the bot sends the guide itself,
rendered at send time from its Markdown to one self-contained HTML page (a browser opens it;
the Markdown's own text is escaped). The renderer covers what the guide uses: headings,
paragraphs, lists, quotes, fenced blocks (the example exchanges), `code`, **bold** and links.
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path

from bot.config import StaffMember
from bot.kernel.actions import Response, SendFile
from bot.pipeline.context import PipelineContext

log = logging.getLogger(__name__)

GUIDE_FILE = Path(__file__).resolve().parents[2] / "docs" / "guide-equipe.md"
FILENAME = "guide-equipe.html"

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:46em;margin:auto;padding:1em;"
    "line-height:1.5}pre{background:#f3f3f3;padding:.6em;white-space:pre-wrap;overflow-wrap:anywhere;"
    "border-radius:4px}code{background:#f3f3f3}blockquote{border-left:4px solid #ccc;"
    "margin-left:0;padding-left:1em;color:#444}"
)
_INLINE = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*|\[([^\]]+)\]\(([^)\s]+)\)")
_HEADING = re.compile(r"(#{1,4}) +(.*)")
_ORDERED = re.compile(r"\d+\. +(.*)")


def _inline(text: str) -> str:
    """Escaped text with `code`, **bold** and [links](url); anything else stays as typed."""
    out: list[str] = []
    position = 0
    for match in _INLINE.finditer(text):
        out.append(html.escape(text[position : match.start()]))
        code, bold, label, url = match.groups()
        if code is not None:
            out.append(f"<code>{html.escape(code)}</code>")
        elif bold is not None:
            out.append(f"<strong>{_inline(bold)}</strong>")
        elif url.startswith(("http://", "https://", "#")):
            out.append(f'<a href="{html.escape(url)}">{_inline(label)}</a>')
        else:  # a link into the repository means nothing on a phone: its words only
            out.append(_inline(label))
        position = match.end()
    out.append(html.escape(text[position:]))
    return "".join(out)


def markdown_to_html(markdown: str) -> str:
    """One HTML page from the guide's Markdown (the subset the module docstring names)."""
    body: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    list_tag = ""
    quote: list[str] = []
    fence: list[str] | None = None
    title = ""

    def flush() -> None:
        nonlocal list_tag
        if paragraph:
            body.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            body.append(
                f"<{list_tag}>" + "".join(f"<li>{i}</li>" for i in items) + f"</{list_tag}>"
            )
            items.clear()
            list_tag = ""
        if quote:
            body.append(f"<blockquote><p>{_inline(' '.join(quote))}</p></blockquote>")
            quote.clear()

    for raw in markdown.splitlines():
        line = raw.rstrip()
        if fence is not None:
            if line.startswith("```"):
                body.append(f"<pre>{html.escape(chr(10).join(fence))}</pre>")
                fence = None
            else:
                fence.append(raw)
            continue
        stripped = line.strip()
        heading = _HEADING.fullmatch(line)
        ordered = _ORDERED.fullmatch(stripped)
        if line.startswith("```"):
            flush()
            fence = []
        elif not stripped:
            flush()
        elif heading:
            flush()
            level = len(heading.group(1))
            title = title or heading.group(2)
            # GitHub's anchors, so the guide's table of contents works there and here
            anchor = re.sub(r"[^\w\- ]", "", heading.group(2).lower()).replace(" ", "-")
            body.append(
                f'<h{level} id="{html.escape(anchor)}">{_inline(heading.group(2))}</h{level}>'
            )
        elif stripped.startswith(("- ", "* ")) or ordered:
            tag = "ol" if ordered else "ul"
            if paragraph or quote or (items and list_tag != tag):
                flush()
            list_tag = tag
            items.append(_inline(ordered.group(1) if ordered else stripped[2:]))
        elif stripped.startswith(">"):
            if paragraph or items:
                flush()
            quote.append(stripped.lstrip(">").strip())
        elif items and raw.startswith(" "):  # a list item continued on the next line
            items[-1] += " " + _inline(stripped)
        else:
            if items or quote:
                flush()
            paragraph.append(stripped)
    if fence is not None:
        body.append(f"<pre>{html.escape(chr(10).join(fence))}</pre>")
    flush()
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


class Guide:
    """/guide: the staff guide as an HTML document, rendered from its Markdown at send time."""

    def __init__(self, ctx: PipelineContext, path: Path = GUIDE_FILE) -> None:
        self.ctx = ctx
        self.path = path

    async def send(self, member: StaffMember) -> Response:
        try:
            markdown = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            log.warning("staff guide not readable: %s", type(exc).__name__)
            return self.ctx.say("guide", missing=True)
        page = markdown_to_html(markdown).encode("utf-8")
        caption = self.ctx.render("guide", missing=False)
        return Response().add(SendFile(FILENAME, page, caption))
