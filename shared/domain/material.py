"""Background material a coordinator uploads: which files are accepted, checked by name, declared
type and content (pure; no I/O).

A file is at most 5 MB and a visit's material at most 20 MB in all, so every visitor not joining the
call gets all of it attached to one email (SES takes messages up to 40 MB after encoding): no link
that could expire before the visit is ever needed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_VISIT_BYTES = 20 * 1024 * 1024
FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,98}[A-Za-z0-9)]$")
ZIP = b"PK\x03\x04"
OFFICE = "application/vnd.openxmlformats-officedocument"


@dataclass(frozen=True)
class Kind:
    label: str
    content_type: str
    magic: tuple[bytes, ...] = ()   # the file starts with one of these; () for text (UTF-8)

    @property
    def is_text(self) -> bool:
        return not self.magic


KINDS: dict[str, Kind] = {
    "pdf": Kind("PDF", "application/pdf", (b"%PDF-",)),
    "docx": Kind("Word document", f"{OFFICE}.wordprocessingml.document", (ZIP,)),
    "pptx": Kind("PowerPoint presentation", f"{OFFICE}.presentationml.presentation", (ZIP,)),
    "xlsx": Kind("Excel workbook", f"{OFFICE}.spreadsheetml.sheet", (ZIP,)),
    "odt": Kind("OpenDocument text", "application/vnd.oasis.opendocument.text", (ZIP,)),
    "png": Kind("PNG image", "image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": Kind("JPEG image", "image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": Kind("JPEG image", "image/jpeg", (b"\xff\xd8\xff",)),
    "txt": Kind("text file", "text/plain"),
    "md": Kind("Markdown text", "text/markdown"),
}
# Media types API Gateway must pass to Lambda as binary (base64) rather than as text.
BINARY_MEDIA_TYPES = tuple(sorted({k.content_type for k in KINDS.values() if not k.is_text}
                                  | {"application/octet-stream"}))
ACCEPTED = "PDF, Word (.docx), PowerPoint (.pptx), Excel (.xlsx), OpenDocument (.odt), PNG, JPEG, text (.txt) or Markdown (.md)"


class Refused(Exception):
    """Why a file is refused: `field` is "filename" or "body"; `status` the HTTP answer (413, 415, 422)."""

    def __init__(self, status: int, field: str, message: str):
        super().__init__(message)
        self.status, self.field, self.message = status, field, message


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check(filename: str, declared_type: str | None, content: bytes) -> Kind:
    """The file's kind, or Refused saying what is wrong in words a coordinator can act on."""
    if not FILENAME.match(filename) or ".." in filename or "." not in filename:
        raise Refused(422, "filename", "use letters, digits, spaces, dots, dashes, underscores and brackets "
                                       "(at most 100 characters), ending in the file's extension, e.g. agenda.pdf")
    extension = filename.rsplit(".", 1)[-1].lower()
    kind = KINDS.get(extension)
    if kind is None:
        raise Refused(415, "filename", f"a .{extension} file is not accepted: send a {ACCEPTED} file")
    if not content:
        raise Refused(422, "body", "the file is empty")
    if len(content) > MAX_FILE_BYTES:
        raise Refused(413, "body", f"the file is {megabytes(len(content))}: at most {megabytes(MAX_FILE_BYTES)} "
                                   "per file (send a smaller or compressed version)")
    media = (declared_type or "").split(";")[0].strip().lower()
    if media not in ("", "application/octet-stream", kind.content_type):
        raise Refused(415, "Content-Type", f"{filename} is a {kind.label}: send it as {kind.content_type} "
                                           f"(or application/octet-stream), not {media}")
    if kind.is_text:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(415, "body", f"{filename} is not UTF-8 text: save it as UTF-8, or send a PDF") from None
    elif not content.startswith(kind.magic):
        raise Refused(415, "body", f"{filename} does not look like a {kind.label}: check that the file is not "
                                   "damaged and that its extension is right")
    return kind
