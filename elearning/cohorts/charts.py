"""The report's charts: SVG drawn on the server with pygal, no JavaScript.

Each chart is a self-contained SVG shown as an image (a ``data:`` URL, so the page needs no
extra request and the strict content-security policy stays as it is); the page puts the same
figures in a table beside it for screen readers and for copying.
"""

from __future__ import annotations

import base64
import sys
from collections.abc import Sequence

import pygal
from pygal.style import Style

from elearning.cohorts.report import TopicResult

# pygal installs an import hook so that ``pygal.maps.*`` plugins can be imported by an old
# name; it implements only the import API Python deprecated, which warns on every later import
# of any module. We use no map plugin, so take the hook out again.
sys.meta_path[:] = [hook for hook in sys.meta_path if type(hook).__name__ != "PluginImportFixer"]

# Bars are the chart's content (WCAG 1.4.11): each colour has 3:1 or more against the white
# background (3.5:1 and 13:1) and against the other (3.8:1), so two bars side by side stay apart.
PRE_COLOUR = "#7a8ba1"  # muted: before the course
POST_COLOUR = "#16324f"  # the platform's dark blue: after the course

_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1d2733",
    foreground_strong="#1d2733",
    foreground_subtle="#5b6775",
    colors=(PRE_COLOUR, POST_COLOUR),
    font_family="DejaVu Sans, Noto Sans, Arial, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    value_font_size=12,
    title_font_size=16,
    opacity="1",
    opacity_hover="1",
)


def _config(**extra) -> dict:
    return {
        "style": _STYLE,
        "js": [],  # no script: the chart is a picture
        "disable_xml_declaration": True,
        "explicit_size": True,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 2,
        "print_values": False,
        "show_y_guides": True,
        "margin": 12,
        **extra,
    }


def as_data_url(svg: str) -> str:
    """The SVG as a ``data:`` URL for an ``<img>``."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def topics_chart(
    topics: Sequence[TopicResult], pre_label: str, post_label: str | None, axis_label: str
) -> str:
    """Per cent of marks per topic, entry against final assessment (horizontal bars); without
    ``post_label``, the entry assessment's alone."""
    topics = list(reversed(topics))  # pygal draws the first bar at the bottom
    height = 110 + 56 * max(1, len(topics))
    chart = pygal.HorizontalBar(
        **_config(width=760, height=height, range=(0, 100), x_title=axis_label)
    )
    chart.x_labels = [_shorten(topic.label) for topic in topics]
    chart.add(pre_label, [_rounded(topic.pre) for topic in topics])
    if post_label is not None:
        chart.add(post_label, [_rounded(topic.post) for topic in topics])
    return _unique_ids(chart.render(is_unicode=True), "topics")


def distribution_chart(
    pre: Sequence[tuple[str, int]],
    post: Sequence[tuple[str, int]] | None,
    pre_label: str,
    post_label: str,
    x_title: str,
    y_title: str,
) -> str:
    """How many judges scored in each 10-point band, before and after (``post`` None: the
    entry assessment alone)."""
    chart = pygal.Bar(
        **_config(width=760, height=380, x_title=x_title, y_title=y_title, min_scale=1)
    )
    chart.x_labels = [band for band, _ in pre]
    chart.add(pre_label, [count for _, count in pre])
    if post is not None:
        chart.add(post_label, [count for _, count in post])
    return _unique_ids(chart.render(is_unicode=True), "distribution")


def _unique_ids(svg: str, prefix: str) -> str:
    """Prefix pygal's legend ids, which repeat from chart to chart, so two charts can share a
    document (the PDF puts them inline)."""
    return svg.replace('id="activate-serie-', f'id="{prefix}-activate-serie-').replace(
        "#activate-serie-", f"#{prefix}-activate-serie-"
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _shorten(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
