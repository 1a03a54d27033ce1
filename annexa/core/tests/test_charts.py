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


def _contrast(a: str, b: str) -> float:
    def luminance(color: str) -> float:
        def channel(pair: str) -> float:
            c = int(pair, 16) / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        hex6 = color.lstrip("#")
        hex6 = "".join(c * 2 for c in hex6) if len(hex6) == 3 else hex6
        r, g, b = (channel(hex6[i : i + 2]) for i in (0, 2, 4))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_text_on_a_colour_is_readable():
    from annexa.core.charts import readable_on
    from annexa.monitoring.choices import STATUS_COLORS

    # The monitoring grid's "not covered" grey once carried white text (about 1.5:1).
    for fill in [*STATUS_COLORS.values(), "#ffffff", "#000000", "#7fb0e0"]:
        assert _contrast(readable_on(fill), fill) >= 4.5, fill


def test_charts_never_shrink_their_text_below_11px_nor_cut_a_label():
    from annexa.core.charts import FONT_SIZE, _text_width

    svg = stacked_bar_chart(
        ["Clause 4–10 requirements (auditable)", "Annex A"],
        [Series("Audited", "#2e8540", [3, 1])],
        title="Coverage",
    )
    width = int(re.search(r'viewBox="0 0 (\d+) ', svg)[1])
    least = int(re.search(r"min-width:(\d+)px", svg)[1])
    assert least * FONT_SIZE / width >= 11
    # The longest category label ends left of the bars and starts inside the picture.
    label_x = int(re.search(r'<text x="(\d+)"[^>]*text-anchor="end"', svg)[1])
    assert label_x >= _text_width("Clause 4–10 requirements (auditable)")


def test_the_monitoring_grid_writes_11px_labels_readable_on_their_square():
    from annexa.monitoring.charts import status_grid
    from annexa.monitoring.choices import STATUS_COLORS
    from annexa.monitoring.status import ControlView

    views = [
        ControlView(control_id=f"A.5.{n + 1}", title="t", theme="organizational", status=status)
        for n, status in enumerate(STATUS_COLORS)
    ]
    svg = status_grid(views, lambda control_id: f"/c/{control_id}/")
    assert min(int(size) for size in re.findall(r'font-size="(\d+)"', svg)) >= 11
    for fill, text in re.findall(
        r'fill="(#\w+)" data-status="\w+">.*?<text [^>]*fill="(#\w+)"', svg
    ):
        assert _contrast(fill, text) >= 4.5, (fill, text)
    assert len(re.findall(r"data-status=", svg)) == len(STATUS_COLORS)
