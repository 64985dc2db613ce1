"""The figures page's charts: data in, an SVG string out, drawn on the server by pygal.

Pure functions (no request, no database): `bars` draws one bar chart (stacked or
horizontal when asked) in a calm, legible style; `clean` takes out of pygal's output what a
page must not carry (its inline script of tooltips' configuration, comments, anything that
points elsewhere); `img_src` makes the cleaned SVG a `data:` address for an `<img>`.

Why an `<img>` and not the SVG inline: the console's CSP allows no inline style, and pygal
styles its chart with a `<style>` element. Inside an image the chart keeps its style, and
a browser runs no script and fetches nothing from an SVG shown as an image, whatever it
holds. The numbers are on the page beside it as text; the image's `alt` says what it shows.
"""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from functools import lru_cache

import pygal
from pygal.style import Style

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

# Japanese labels need a CJK face; Noto Sans CJK is what the browser tests install (Debian's
# fonts-noto-cjk) and what the summary's print uses.
FONT = '"Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic", Meiryo, sans-serif'

# Calm: one quiet blue first, muted companions, thin grey guides, dark text on white.
COLORS = ("#3d6b8e", "#9cbcd3", "#c2874a", "#8b9a7d", "#a7a2b8", "#d4c08a")

_STYLE = dict(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#333333",
    foreground_strong="#111111",
    foreground_subtle="#d6d9dc",
    opacity="1",
    opacity_hover="1",
    transition="none",
    colors=COLORS,
    font_family=FONT,
    label_font_family=FONT,
    major_label_font_family=FONT,
    value_font_family=FONT,
    value_label_font_family=FONT,
    tooltip_font_family=FONT,
    title_font_family=FONT,
    legend_font_family=FONT,
    no_data_font_family=FONT,
    label_font_size=15,
    major_label_font_size=15,
    value_font_size=14,
    legend_font_size=15,
    title_font_size=17,
    no_data_font_size=18,
    guide_stroke_color="#e3e6e9",
    major_guide_stroke_color="#d6d9dc",
)


def _style(stacked: bool) -> Style:
    # Stacked values sit inside the bars: white on the dark first colour, dark on the rest.
    values = ("#ffffff",) + ("#111111",) * (len(COLORS) - 1) if stacked else ("#111111",)
    return Style(**_STYLE, value_colors=values)


# A stacked part under this share of the tallest bar is drawn without its number.
SMALL_PART = 0.07

# Anything that could run or fetch: a script, an event handler, an address of any kind.
_UNSAFE_TAGS = {"script", "foreignObject", "a", "image", "use", "iframe", "object", "embed"}
_LINK_ATTRS = ("href", f"{{{XLINK_NS}}}href", "src")
_URL_IN_CSS = re.compile(r"url\s*\(|@import", re.IGNORECASE)


def bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | int | None]]],
    *,
    title: str = "",
    no_data: str = "",
    horizontal: bool = False,
    stacked: bool = False,
    width: int = 800,
    height: int = 360,
    percent: bool = False,
) -> str:
    """A bar chart of `series` (name, one value per label) over `labels`, as an SVG string
    already cleaned. Values are printed on the bars, so no tooltip is needed; a legend only
    when there is more than one series. The same numbers draw the same chart: a drawing is
    kept (a closed fiscal year is looked at again and again, and pygal takes ~10 ms)."""
    return _draw(
        tuple(labels),
        tuple((name, tuple(values)) for name, values in series),
        title=title,
        no_data=no_data,
        horizontal=horizontal,
        stacked=stacked,
        width=width,
        height=height,
        percent=percent,
    )


@lru_cache(maxsize=128)
def _draw(
    labels: tuple[str, ...],
    series: tuple[tuple[str, tuple[float | int | None, ...]], ...],
    *,
    title: str = "",
    no_data: str = "",
    horizontal: bool = False,
    stacked: bool = False,
    width: int = 800,
    height: int = 360,
    percent: bool = False,
) -> str:
    # Stacked, a small part's number would not fit its slice: the table beside has it.
    tallest = max(
        (sum(v or 0 for v in column) for column in zip(*(v for _, v in series), strict=True)),
        default=0,
    )
    smallest = tallest * SMALL_PART if stacked else 0

    def words(value: float) -> str:
        if value < smallest:
            return ""
        return f"{value:.0%}" if percent else f"{value:,.0f}"

    kind: type[pygal.Bar]
    if stacked:
        kind = pygal.HorizontalStackedBar if horizontal else pygal.StackedBar
    else:
        kind = pygal.HorizontalBar if horizontal else pygal.Bar
    chart = kind(
        style=_style(stacked),
        width=width,
        height=height,
        title=title or None,
        js=[],  # no tooltip script (pygal's default fetches one from a CDN)
        disable_xml_declaration=True,
        show_legend=len(series) > 1,
        legend_at_bottom=True,
        legend_at_bottom_columns=min(len(series), 4) or 1,
        print_values=True,
        print_values_position="top" if not stacked else "center",
        print_zeroes=False,
        show_x_guides=False,
        show_y_guides=True,
        show_minor_x_labels=True,
        truncate_label=-1,
        truncate_legend=-1,
        rounded_bars=2,
        spacing=12,
        margin=14,
        no_data_text=no_data or "—",
        value_formatter=words,
        min_scale=3,
        max_scale=6,
    )
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, list(values))
    return clean(chart.render(is_unicode=True))


def clean(svg: str) -> str:
    """pygal's SVG without what a page must not carry: scripts, comments, event handlers,
    links and styles that fetch. Raises ValueError for anything else that points elsewhere
    (nothing pygal draws with our settings does)."""
    root = ET.fromstring(svg)
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
            if tag in _UNSAFE_TAGS:
                parent.remove(child)
    for node in root.iter():
        for name in list(node.attrib):
            if name.lower().startswith("on") or name in _LINK_ATTRS:
                del node.attrib[name]
        if node.tag == f"{{{SVG_NS}}}style" and node.text and _URL_IN_CSS.search(node.text):
            raise ValueError("the chart's style points elsewhere")
    # ElementTree drops comments when parsing; what is left is shapes, text and one style.
    return ET.tostring(root, encoding="unicode")


def img_src(svg: str) -> str:
    """The SVG as a `data:` address for `<img src>` (the CSP allows `img-src data:`)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
