"""Markdown written in Annexa is shown without any markup a person typed."""

from annexa.documents.rendering import to_html


def test_script_and_handlers_are_not_rendered():
    html = to_html(
        "# Policy\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
        '<a href="#" onclick="steal()">x</a>'
    )
    assert "<h1>Policy</h1>" in html
    assert "<script" not in html
    assert "<img" not in html and "<a href" not in html
    assert "&lt;script&gt;" in html


def test_only_safe_links_and_no_images():
    html = to_html(
        "[ok](https://example.org) [bad](javascript:alert(1)) ![px](https://t.example/p.png)"
    )
    assert '<a href="https://example.org">ok</a>' in html
    assert "javascript:" not in html.split("[bad]")[0]
    assert 'href="javascript' not in html
    assert "<img" not in html


def test_tables_render():
    assert "<table>" in to_html("|a|b|\n|-|-|\n|1|2|")
