"""``core.charts.line_chart``: lines over dates, one titled point per value."""

import re

import pytest

from annexa.core.charts import Line, line_chart


def test_it_draws_a_titled_point_per_value_and_escapes_text():
    svg = line_chart(
        ["w1", "w2", "<w3>"],
        [Line("Open", "#c0392b", [3, 1, 0], area=True), Line("Major", "#7b241c", [1, 1, 0])],
        title="Open <items>",
        unit="open",
        label_every=2,
    )
    assert 'role="img"' in svg and "Open &lt;items&gt;" in svg and "<items>" not in svg
    assert svg.count('class="point"') == 6
    assert "<title>w1 — Open: 3 open</title>" in svg
    assert "<title>&lt;w3&gt; — Major: 0 open</title>" in svg
    assert svg.count("<polygon") == 1  # only the area line is shaded
    assert svg.count("<polyline") == 2
    # The axis names the last label and every second one before it.
    axis = re.findall(r'text-anchor="middle"[^>]*>([^<]+)</text>', svg)
    assert axis == ["w1", "&lt;w3&gt;"]


def test_it_scales_to_the_largest_value():
    svg = line_chart(["a", "b"], [Line("x", "#000", [0, 4])], title="t", plot_height=100)
    ys = [float(y) for y in re.findall(r'class="point" cx="[^"]+" cy="([^"]+)"', svg)]
    assert ys[0] - ys[1] == 100  # from the baseline to the top of the plot


def test_it_draws_all_zero_lines_without_dividing_by_zero():
    svg = line_chart(["a", "b", "c"], [Line("x", "#000", [0, 0, 0], area=True)], title="t")
    assert svg.count('class="point"') == 3


def test_it_refuses_lines_that_do_not_fit():
    with pytest.raises(ValueError, match="expected 2"):
        line_chart(["a", "b"], [Line("x", "#000", [1])], title="t")
    with pytest.raises(ValueError, match="negative"):
        line_chart(["a"], [Line("x", "#000", [-1])], title="t")
