"""The page layout and the one stylesheet shared by pages and emails."""
import re
from pathlib import Path

from shared.domain.rendering import render_email
from shared.domain.team import ProgrammeTeam
from shared.pages import render_page, wants_html

STYLESHEET = (Path(__file__).resolve().parents[2] / "shared" / "templates" / "style.css").read_text()
VISIT = {"title": "Staff wellbeing", "theme": "Resilience", "venue": "Hutton HQ",
         "starts_at": "2027-01-19T10:00:00Z", "ends_at": "2027-01-19T16:00:00Z",
         "host": {"organisation": "Lancashire Constabulary"}, "prep_call_at": None, "prep_call_dial_in": None}


def _external_references(html: str) -> list[str]:
    """src/href values that would fetch something from elsewhere (mailto and in-page links are fine)."""
    found = re.findall(r'(?:src|href)="([^"]*)"', html)
    return [url for url in found if url.startswith(("http:", "https:", "//"))]


def test_the_base_layout_names_the_programme_has_a_main_landmark_and_the_team_contact():
    html = render_page("_base.html")
    assert '<html lang="en-GB">' in html
    assert re.search(r'<header class="site-header">.*Peer Learning Visits', html, re.S)
    assert '<main id="main"' in html and 'href="#main"' in html  # a skip link to it
    footer = html.split('<footer', 1)[1]
    assert 'href="mailto:visits-team@peer-learning.example"' in footer
    assert STYLESHEET.strip()[:60] in html  # the stylesheet inlined, not linked
    assert _external_references(html) == []


def test_emails_carry_the_same_stylesheet_and_button_class():
    _, _, html = render_email("offer", name="Ann", visit=VISIT, confirm_by="2027-01-10T17:00:00Z",
                              links={"confirm": "https://api.test/links/abc"},
                              team=ProgrammeTeam.of(email="team@centre.example"))
    assert STYLESHEET.strip()[:60] in html
    assert '<a class="button" href="https://api.test/links/abc">Confirm my place</a>' in html
    assert "style=\"" not in html  # no inline styles: one stylesheet


def test_a_browser_wants_html_and_an_api_client_json():
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert wants_html({"Accept": browser})
    assert wants_html({"accept": "text/html"})
    assert not wants_html({"Accept": "application/json"})
    assert not wants_html({"Accept": "*/*"})
    assert not wants_html({})
