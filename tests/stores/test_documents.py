"""Documents: the same answers from the S3 bucket and from memory."""
from __future__ import annotations

PDF = b"%PDF-1.7\n\x00\xff binary"


def test_a_document_is_read_back_with_its_content_type_and_name(stores):
    stores.documents.put("visits/v1/background/briefing.pdf", PDF, "application/pdf")
    found = stores.documents.get("visits/v1/background/briefing.pdf")
    assert (found.key, found.content, found.content_type) == ("visits/v1/background/briefing.pdf", PDF,
                                                              "application/pdf")
    assert found.filename == "briefing.pdf"


def test_text_is_stored_as_utf8_and_a_new_version_replaces_the_old(stores):
    stores.documents.put("reports/v1/v1/report.txt", "first", "text/plain; charset=utf-8")
    stores.documents.put("reports/v1/v1/report.txt", "Café ✓", "text/plain; charset=utf-8")
    found = stores.documents.get("reports/v1/v1/report.txt")
    assert found.content == "Café ✓".encode("utf-8")
    assert found.content_type == "text/plain; charset=utf-8"


def test_a_missing_document_reads_as_none(stores):
    assert stores.documents.get("reports/nowhere/v1/report.html") is None


def test_keys_lists_what_is_under_a_prefix_in_key_order_with_sizes(stores):
    for key, content in (("reports/v1/v2/summary.json", b"{}"), ("reports/v1/v1/report.html", b"<p>1</p>"),
                         ("reports/v10/v1/report.html", b"x"), ("visits/v1/background/a.pdf", PDF)):
        stores.documents.put(key, content, "application/octet-stream")
    assert stores.documents.keys("reports/v1/") == [{"key": "reports/v1/v1/report.html", "size": 8},
                                                    {"key": "reports/v1/v2/summary.json", "size": 2}]
    assert stores.documents.keys("reports/none/") == []


def test_deleted_documents_are_gone_and_deleting_a_missing_one_is_no_error(stores):
    stores.documents.put("reports/v1/v1/report.html", b"old", "text/html")
    stores.documents.put("reports/v1/v2/report.html", b"new", "text/html")
    stores.documents.delete(["reports/v1/v1/report.html", "reports/v1/v1/never-there.html"])
    assert stores.documents.get("reports/v1/v1/report.html") is None
    assert stores.documents.get("reports/v1/v2/report.html").content == b"new"
    assert stores.documents.keys("reports/v1/") == [{"key": "reports/v1/v2/report.html", "size": 3}]
