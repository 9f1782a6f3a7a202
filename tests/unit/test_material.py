"""Which background material files are accepted, and what a coordinator is told when one is not."""
import pytest

from shared.domain.material import MAX_FILE_BYTES, Refused, check

PDF = b"%PDF-1.7\n..."
DOCX = b"PK\x03\x04rest-of-zip"


@pytest.mark.parametrize("filename, declared, content, label", [
    ("agenda.pdf", "application/pdf", PDF, "PDF"),
    ("Agenda (v2).PDF", None, PDF, "PDF"),
    ("slides.pptx", "application/octet-stream", DOCX, "PowerPoint presentation"),
    ("notes.md", "text/markdown; charset=utf-8", "Café — notes".encode(), "Markdown text"),
])
def test_accepted(filename, declared, content, label):
    assert check(filename, declared, content).label == label


@pytest.mark.parametrize("filename, declared, content, status, field, words", [
    ("run.exe", None, b"MZ", 415, "filename", "not accepted"),
    ("agenda.pdf", "application/pdf", b"<html>", 415, "body", "does not look like a PDF"),
    ("agenda.pdf", "text/plain", PDF, 415, "Content-Type", "send it as application/pdf"),
    ("notes.txt", "text/plain", b"\xff\xfe\x00", 415, "body", "not UTF-8"),
    (".hidden.pdf", None, PDF, 422, "filename", "letters"),
    ("a..pdf", None, PDF, 422, "filename", "letters"),
    ("agenda", None, PDF, 422, "filename", "extension"),
    ("agenda.pdf", None, b"", 422, "body", "empty"),
    ("agenda.pdf", None, PDF + b"0" * MAX_FILE_BYTES, 413, "body", "at most 5.0 MB"),
])
def test_refused_with_a_reason(filename, declared, content, status, field, words):
    with pytest.raises(Refused) as refused:
        check(filename, declared, content)
    assert (refused.value.status, refused.value.field) == (status, field)
    assert words in refused.value.message
