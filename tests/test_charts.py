"""kaiu.charts: server-drawn SVG bar charts."""

import re
import xml.etree.ElementTree as ET

from kaiu.charts import Series, bar_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def chart(**kwargs):
    defaults = {"title": "Questions per day", "labels": ["Mon", "Tue", "Wed"], "x_label": "Day",
                "y_label": "Questions", "series": [Series("Answered", [3, 0, 7]), Series("Not answered", [1, 2, 0])]}
    return ET.fromstring(str(bar_chart(**{**defaults, **kwargs})))


def test_it_is_an_image_named_by_its_title_and_described():
    svg = chart()
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.find(f"{SVG}title").get("id") == title_id
    assert svg.find(f"{SVG}title").text == "Questions per day"
    desc = svg.find(f"{SVG}desc")
    assert desc.get("id") == desc_id
    assert "Answered: 10 in all" in desc.text
    assert "Not answered: 3 in all" in desc.text


def test_every_bar_says_its_value_on_hover():
    bars = [r for r in chart().iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [b.find(f"{SVG}title").text for b in bars] == [
        "Mon: 3 answered", "Mon: 1 not answered", "Tue: 0 answered", "Tue: 2 not answered",
        "Wed: 7 answered", "Wed: 0 not answered"]


def test_stacked_bars_rise_in_proportion_from_the_axis():
    bars = [r for r in chart().iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    heights = [float(b.get("height")) for b in bars]
    assert heights[4] == 7 * heights[0] / 3  # 7 and 3 answered, same scale
    # Mon's second bar sits on top of its first
    assert float(bars[1].get("y")) + float(bars[1].get("height")) == float(bars[0].get("y"))


def test_axes_are_labelled_and_values_on_round_ticks():
    texts = [t.text for t in chart().iter(f"{SVG}text")]
    assert "Questions" in texts
    assert "Day" in texts
    assert "Answered" in texts
    assert {"0", "2", "4", "6", "8"} <= set(texts)


def test_text_is_escaped():
    svg = str(bar_chart(title="<script>x</script>", labels=["a&b"], series=[Series("S", [1])], x_label="X",
                        y_label="Y"))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "a&amp;b" in svg


def test_many_days_get_few_enough_labels_to_read_on_a_phone():
    labels = [f"Nov {n}" for n in range(1, 91)]
    svg = chart(labels=labels, series=[Series("Questions", list(range(90)))])
    shown = [t.text for t in svg.iter(f"{SVG}text") if t.text and t.text.startswith("Nov")]
    assert 2 <= len(shown) <= 7
    assert shown[0] == "Nov 1"


def test_an_empty_range_draws_an_empty_chart():
    svg = chart(series=[Series("Answered", [0, 0, 0])])
    assert re.search(r"0 in all", svg.find(f"{SVG}desc").text)


def test_nice_ticks():
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(3) == [0, 1, 2, 3]
    assert nice_ticks(10) == [0, 5, 10]
    assert nice_ticks(37) == [0, 10, 20, 30, 40]
    assert nice_ticks(0.3) == [0, 0.1, 0.2, 0.3]
