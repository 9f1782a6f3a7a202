"""The local mail viewer's pure parts: the links it lists and the frame it shows the HTML part in."""
from local.mail import _framed, _links, owns


def test_the_links_of_an_email_are_its_anchors_with_their_labels_and_never_mailto():
    html = ('<p><a class="button" href="http://127.0.0.1:3000/links/abc">Confirm\n my place</a>'
            '<a href="mailto:team@example.org">team@example.org</a>'
            '<a href="http://127.0.0.1:3000/links/x?a=1&amp;b=2">Withdraw</a></p>')
    assert _links(html, "") == [("Confirm my place", "http://127.0.0.1:3000/links/abc"),
                                ("Withdraw", "http://127.0.0.1:3000/links/x?a=1&b=2")]


def test_a_text_only_email_lists_its_urls():
    assert _links("", "Confirm: http://h/links/abc\nBye") == [("http://h/links/abc", "http://h/links/abc")]


def test_links_in_the_framed_email_open_the_whole_window():
    assert _framed("<html><head><title>x</title></head></html>").startswith('<html><head><base target="_top">')
    assert _framed("<p>no head</p>") == '<base target="_top"><p>no head</p>'
    assert _framed("") == ""


def test_the_viewer_owns_only_its_own_paths():
    assert owns("/_local/mail") and owns("/_local/mail/") and owns("/_local/mail/abc/attachments/0")
    assert not owns("/_local/mailbox") and not owns("/_local/outbox")
