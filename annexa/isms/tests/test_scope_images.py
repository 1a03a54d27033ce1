"""The scope statement's Markdown makes readers' browsers fetch images only from Annexa's own
evidence downloads; every other image is shown as its description, never as ``<img>``."""

import re

import pytest
from django.urls import reverse

from annexa.isms.services import save_scope
from annexa.isms.templatetags.isms import markdown

EVIDENCE = "/o/acme/evidence/versions/3/download/"


def image_sources(html: str) -> list[str]:
    return re.findall(r'<img[^>]*\ssrc="([^"]*)"', html)


@pytest.mark.parametrize(
    "src",
    [
        "https://tracker.example/pixel.png",
        "http://169.254.169.254/latest/meta-data/",
        "//tracker.example/pixel.png",
        "data:image/png;base64,iVBORw0KGgo=",
        "pixel.png",
        "../../evidence/versions/3/download/",
        "/o/acme/evidence/",  # an Annexa page, but not an evidence download
        f"https://tracker.example{EVIDENCE}",
    ],
)
def test_it_does_not_render_other_images(src):
    html = str(markdown(f"Our scope ![the *diagram*]({src}) and [refs][r].\n\n[r]: {src}"))
    assert "<img" not in html
    assert "[image: the diagram]" in html


def test_it_leaves_a_refused_link_scheme_as_text():
    html = str(markdown("![x](javascript:alert(1))"))
    assert "<img" not in html and "<a" not in html


def test_it_does_not_render_reference_style_remote_images():
    html = str(markdown("![pixel][p]\n\n[p]: https://tracker.example/p.png"))
    assert "<img" not in html and "[image: pixel]" in html


def test_it_escapes_the_description_of_a_removed_image():
    html = str(markdown("![<script>x</script>](https://tracker.example/p.png)"))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_it_renders_evidence_images_of_this_server(settings):
    settings.BASE_URL = "https://annexa.example"
    html = str(markdown(f"![diagram]({EVIDENCE}) ![again](https://annexa.example{EVIDENCE})"))
    assert image_sources(html) == [EVIDENCE, f"https://annexa.example{EVIDENCE}"]


def test_the_scope_page_shows_no_remote_image(acme, client_for, isla):
    save_scope(isla.ctx, text="Everything. ![pixel](https://tracker.example/p.png)")
    page = client_for(isla).get(reverse("isms:scope", kwargs={"org": "acme"}))
    html = page.content.decode()
    assert page.status_code == 200 and "[image: pixel]" in html
    assert "tracker.example" not in "".join(image_sources(html))
