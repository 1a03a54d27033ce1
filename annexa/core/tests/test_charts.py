import re

import pytest

from annexa.core.charts import Segment, Series, donut_chart, stacked_bar_chart


def test_it_draws_one_bar_per_category_with_accessible_labels():
    svg = stacked_bar_chart(
        ["Organizational", "People", "<Physical>"],
        [Series("Done", "#2e8540", [3, 1, 0]), Series("Open", "#d9534f", [2, 0, 4])],
        title="Status by theme",
    )
    assert svg.count('class="bar"') == 3
    assert 'role="img"' in svg
    assert "<title id=" in svg and "Status by theme" in svg
    assert "&lt;Physical&gt;" in svg and "<Physical>" not in svg
    assert "<title>Organizational — Done: 3</title>" in svg
    assert len(re.findall(r"<rect [^>]*><title>", svg)) == 4  # zero values draw nothing


def test_it_refuses_series_that_do_not_fit():
    with pytest.raises(ValueError):
        stacked_bar_chart(["a", "b"], [Series("x", "#000", [1])], title="t")
    with pytest.raises(ValueError):
        stacked_bar_chart(["a"], [Series("x", "#000", [-1])], title="t")


def test_it_draws_a_donut_with_a_segment_per_non_zero_value():
    svg = donut_chart(
        [Segment("Yes", 3, "#2e8540"), Segment("No", 1, "#d9534f"), Segment("Maybe", 0, "#999")],
        title="Answers",
        center_label="75%",
    )
    assert svg.count('class="segment"') == 2
    assert "Maybe: 0" in svg  # still in the legend
    assert ">75%</text>" in svg


def test_it_draws_an_empty_donut_without_dividing_by_zero():
    svg = donut_chart([Segment("Yes", 0, "#2e8540")], title="Nothing yet")
    assert 'class="segment"' not in svg
