"""A runbook cannot inject script into a responder's browser: raw HTML is shown as text, and links
and images keep only safe schemes (http, https, mailto, relative), whatever the Markdown says."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from onwatch.runbooks.domain import normalise
from onwatch.runbooks.render import render, safe_link
from tests.runbooks.helpers import Mirror, commit

HOSTILE = """# Totally normal runbook

<script>alert('runbook')</script>
<img src=x onerror="alert('img')">
<a href="javascript:alert('raw')">raw link</a>

[click](javascript:alert('md'))
[also](JAVASCRIPT:alert('upper'))
[encoded](jav&#x09;ascript:alert('entity'))
[vb](vbscript:msgbox('vb'))
![pixel](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
[ref]: javascript:alert('reference')
See [ref].
<iframe src="https://evil.example"></iframe>

[the real one](https://docs.example.com/gitaly) and [a sibling](failover.md)
"""

_URL_ATTRIBUTE = re.compile(r'\b(?:href|src)="([^"]*)"')
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.I)


def unsafe_urls(html: str) -> list[str]:
    """The href/src values a browser would follow or load with a scheme other than http(s)/mailto."""
    found = []
    for raw in _URL_ATTRIBUTE.findall(html):
        url = re.sub(r"[\x00-\x20\x7f]", "", unescape(raw))
        scheme = _SCHEME.match(url)
        if scheme and scheme.group(1).lower() not in ("http", "https", "mailto"):
            found.append(raw)
    return found


def test_script_injection_is_refused(mirror: Mirror, repo: Path) -> None:
    commit(repo, {"evil.md": HOSTILE}, "a hostile runbook")
    mirror.refresh_in(15)
    page = mirror.browser.get("/runbooks/evil.md")
    assert page.status_code == 200
    article = page.text.split('id="runbook">', 1)[1].split("</article>", 1)[0]
    for tag in ("<script", "<img", "<iframe", '<a href="javascript'):
        assert tag not in article
    assert "&lt;script&gt;alert('runbook')&lt;/script&gt;" in article  # shown, as text
    assert unsafe_urls(article) == []
    assert (
        '<a href="https://docs.example.com/gitaly" rel="noopener noreferrer" target="_blank">the real one</a>'
        in article
    )
    assert '<a href="failover.md">a sibling</a>' in article


@given(st.text(max_size=300))
def test_rendering_any_text_yields_no_markup_the_text_did_not_earn(text: str) -> None:
    html = str(render(text)).lower()
    for tag in ("<script", "<iframe", "<style", "<object", "<embed", "<svg"):
        assert tag not in html
    assert re.search(r"<[a-z0-9]+\s[^>]*\bon[a-z]+=", html) is None  # no event handler attributes
    assert unsafe_urls(html) == []


@given(
    st.sampled_from(["javascript", "JavaScript", "vbscript", "data", "file", "jav\tascript"]),
    st.text(alphabet=st.characters(blacklist_characters="()[]<>\\` \n"), max_size=40),
)
def test_unsafe_schemes_never_make_a_link(scheme: str, rest: str) -> None:
    assert not safe_link(f"{scheme}:{rest}")
    assert "href=" not in str(render(f"[x]({scheme}:{rest})"))


@given(st.text(alphabet=st.sampled_from(list("ab/.~%")), max_size=30))
def test_a_requested_path_never_leaves_the_mirror(path: str) -> None:
    found = normalise(path)
    assert found is None or (not found.startswith("/") and ".." not in found.split("/"))
