"""The local mail viewer: `GET /_local/mail` lists every email sent (newest first) and
`GET /_local/mail/{message_id}` shows one (its HTML part, text part, headers and attachments,
each downloadable at `/_local/mail/{message_id}/attachments/{n}`), with its links working.

HTML pages in the programme's own layout; local only, never deployed.
"""
from __future__ import annotations

import html
import re
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from local.apigateway import HttpAnswer, json_answer

if TYPE_CHECKING:
    from local.stack import LocalStack

PREFIX = "/_local/mail"
HEADERS_SHOWN = ("From", "Reply-To", "To", "Cc", "Subject", "Date", "Message-ID", "MIME-Version")
# The email's own HTML is shown in a sandboxed frame (no scripts); its links open in the whole window.
FRAME_SANDBOX = "allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"


def owns(path: str) -> bool:
    return path.rstrip("/") == PREFIX or path.startswith(PREFIX + "/")


def handle(stack: LocalStack, method: str, path: str, query: dict[str, list[str]]) -> HttpAnswer:
    """The viewer's answer for a path under /_local/mail."""
    if method not in ("GET", "HEAD"):
        return json_answer(405, {"message": f"{method} is not allowed on {path}"}, [("Allow", "GET, HEAD")])
    parts = [unquote(p) for p in path[len(PREFIX):].strip("/").split("/") if p]
    if not parts:
        return _list(stack, (query.get("to") or [""])[-1].strip())
    if len(parts) == 1:
        return _one(stack, parts[0])
    if len(parts) == 3 and parts[1] == "attachments" and parts[2].isdigit():
        return _attachment(stack, parts[0], int(parts[2]))
    return _not_found("There is no such page in the mail viewer.")


def _list(stack: LocalStack, to: str) -> HttpAnswer:
    from shared.pages import render_page

    messages = list(reversed(stack.outbox(to or None)))
    return _page(200, render_page("local_mail_list.html", messages=messages, to=to, when=_when))


def _one(stack: LocalStack, message_id: str) -> HttpAnswer:
    from shared.pages import render_page

    found = _find(message_id)
    if found is None:
        return _not_found("No email with this id was sent by this local stack.")
    message, described = found
    headers = [(name, str(value)) for name in HEADERS_SHOWN for value in message.get_all(name, [])]
    return _page(200, render_page(
        "local_mail_message.html", message=described, headers=headers, when=_when,
        links=_links(described["html"], described["text"]), frame=_framed(described["html"]),
        sandbox=FRAME_SANDBOX, attachment_url=lambda n: f"{PREFIX}/{quote(message_id, safe='')}/attachments/{n}"))


def _attachment(stack: LocalStack, message_id: str, index: int) -> HttpAnswer:
    found = _find(message_id)
    parts = list(found[0].iter_attachments()) if found else []
    if index >= len(parts):
        return _not_found("This email has no such attachment.")
    part = parts[index]
    content = part.get_payload(decode=True) or b""
    filename = (part.get_filename() or f"attachment-{index}").replace('"', "")
    content_type = part.get_content_type()
    if part.get_content_charset():
        content_type += f"; charset={part.get_content_charset()}"
    return HttpAnswer(200, [("Content-Type", content_type),
                            ("Content-Disposition", f"attachment; filename=\"{filename}\"")], content)


def _find(message_id: str):
    from local import outbox
    from local.emulation import MOTO_LOCK

    with MOTO_LOCK:
        return outbox.find(message_id)


def _links(html_part: str, text_part: str) -> list[tuple[str, str]]:
    """(label, URL) of every link in the email: the HTML part's anchors, else the text part's URLs."""
    found = [(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", label)).strip(), html.unescape(url))
             for url, label in re.findall(r'<a\b[^>]*href="([^"]+)"[^>]*>(.*?)</a>', html_part, re.S)]
    if not found:
        found = [(url, url) for url in re.findall(r"https?://\S+", text_part)]
    return [(label or url, url) for label, url in found if not url.startswith("mailto:")]


def _framed(html_part: str) -> str:
    """The HTML part for the frame's srcdoc: its links open in the whole window, not in the frame."""
    if not html_part:
        return ""
    base = '<base target="_top">'
    if re.search(r"<head[^>]*>", html_part, re.I):
        return re.sub(r"(<head[^>]*>)", r"\1" + base, html_part, count=1, flags=re.I)
    return base + html_part


def _when(iso: str | None) -> str:
    from shared.domain.rendering import london

    if not iso:
        return "unknown"
    return london(datetime.fromisoformat(iso.replace("Z", "+00:00")))


def _page(status: int, body: str) -> HttpAnswer:
    return HttpAnswer(status, [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")],
                      body.encode("utf-8"))


def _not_found(message: str) -> HttpAnswer:
    from shared.pages import render_page

    return _page(404, render_page("local_mail_missing.html", message=message))
