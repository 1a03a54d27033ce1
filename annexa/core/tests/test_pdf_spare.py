"""The PDF worker started ahead of need in served processes: a render takes the spare, which
has loaded WeasyPrint already, and leaves a new one; a spare that died is replaced; at exit the
spare ends cleanly; short-lived processes keep none."""

from __future__ import annotations

import pytest

from annexa.core import pdf

HTML = "<html><body><p>One page.</p></body></html>"


@pytest.fixture
def no_spare():
    pdf._end_spare()
    pdf.keep_spare()
    yield
    pdf.keep_spare(False)
    pdf._end_spare()


def test_short_lived_processes_render_without_a_spare():
    pdf._end_spare()
    assert pdf.render_isolated(HTML).startswith(b"%PDF")
    assert pdf._spare is None


def test_a_render_uses_the_spare_and_leaves_a_new_one(no_spare, monkeypatch):
    assert pdf.render_isolated(HTML).startswith(b"%PDF")
    spare = pdf._spare
    assert spare is not None and spare.poll() is None
    taken = []
    real = pdf._take_worker

    def spy():
        worker = real()
        taken.append(worker)
        return worker

    monkeypatch.setattr(pdf, "_take_worker", spy)
    assert pdf.render_isolated(HTML).startswith(b"%PDF")
    assert taken == [spare] and spare.returncode == 0  # the spare rendered and exited
    assert pdf._spare is not None and pdf._spare is not spare


def test_a_dead_spare_is_replaced(no_spare):
    pdf.render_isolated(HTML)
    pdf._spare.kill()
    pdf._spare.wait()
    assert pdf.render_isolated(HTML).startswith(b"%PDF")


def test_an_unused_spare_ends_without_output_when_its_input_closes(no_spare):
    pdf.render_isolated(HTML)
    spare = pdf._spare
    pdf._end_spare()
    assert spare.returncode == 0 and pdf._spare is None
