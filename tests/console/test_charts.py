"""The figures page's charts (staff_console/charts.py): pure data → SVG, safe to show."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

import pytest

from staff_console import charts

NS = {"svg": charts.SVG_NS}


def _texts(svg: str) -> list[str]:
    return [
        "".join(node.itertext()) for node in ET.fromstring(svg).iter(f"{{{charts.SVG_NS}}}text")
    ]


def test_a_bar_chart_shows_its_labels_and_values() -> None:
    svg = charts.bars(["4月", "5月", "6月"], [("新規", [12, 0, 7])], title="月ごとの新規")
    texts = _texts(svg)
    assert "月ごとの新規" in texts
    assert {"4月", "5月", "6月"} <= set(texts)
    # Each value printed on its bar (no tooltip needed); a zero is left out.
    assert "12" in texts and "7" in texts
    bars = ET.fromstring(svg).findall(".//svg:rect[@class='rect reactive tooltip-trigger']", NS)
    assert len(bars) == 3


def test_a_stacked_chart_has_a_legend_of_its_series() -> None:
    svg = charts.bars(["4月"], [("家族", [3]), ("本人", [2])], stacked=True)
    assert {"家族", "本人"} <= set(_texts(svg))


def test_shares_print_as_percent() -> None:
    svg = charts.bars(["a"], [("x", [0.25])], percent=True)
    assert "25%" in _texts(svg)


def test_the_chart_carries_no_script_and_points_nowhere() -> None:
    svg = charts.bars(["<b>4月</b>"], [("x", [1])], title='"><script>alert(1)</script>')
    assert "<script" not in svg
    assert not re.search(r"\bhref=|\bsrc=|url\(|@import|\son\w+=", svg)
    # A label is text, never markup.
    assert "<script>alert(1)</script>" in _texts(svg)[0] or any("alert" in t for t in _texts(svg))
    assert ET.fromstring(svg).find(".//svg:b", NS) is None


def test_clean_takes_out_what_could_run_or_fetch() -> None:
    dirty = (
        f'<svg xmlns="{charts.SVG_NS}" xmlns:xlink="{charts.XLINK_NS}" onload="x()">'
        '<script>alert(1)</script><a href="https://example.org"><text>t</text></a>'
        '<image xlink:href="https://example.org/a.png"/><rect onclick="y()" width="1"/></svg>'
    )
    cleaned = charts.clean(dirty)
    assert (
        "script" not in cleaned and "example.org" not in cleaned and "on" + "click" not in cleaned
    )
    assert "onload" not in cleaned and "<ns0:rect" not in cleaned and "rect" in cleaned


def test_a_style_that_fetches_is_refused() -> None:
    with pytest.raises(ValueError):
        charts.clean(
            f'<svg xmlns="{charts.SVG_NS}"><style>@import "https://x/y.css";</style></svg>'
        )


def test_img_src_is_the_svg_itself() -> None:
    svg = charts.bars(["a"], [("x", [1])])
    src = charts.img_src(svg)
    assert src.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(src.split(",", 1)[1]).decode() == svg


def test_a_small_stacked_part_is_drawn_without_its_number() -> None:
    svg = charts.bars(["4月", "5月"], [("家族", [40, 30]), ("不明", [1, 12])], stacked=True)
    texts = _texts(svg)
    assert "40" in texts and "12" in texts
    assert "1" not in texts  # 1 of 41 is too thin a slice to hold a number
