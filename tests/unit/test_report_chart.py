"""The reports' charts (server/web/report_chart.py): well-formed SVG, every bar's number
written, patterns (not colours) to tell the series apart, a chart's own pattern ids."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from server.domain.reports import figures
from server.web.report_chart import counts_chart, waits_chart

NS = {"svg": "http://www.w3.org/2000/svg"}


def row(key: str, **values: object) -> dict[str, object]:
    return figures(key, [], 30.0) | values


ROWS = [
    row("moving", served=12, no_show=2, left=1, waiting=3, wait_mean_min=14.5, wait_p90_min=31.0),
    row("certificates", served=40, wait_mean_min=4.25, wait_p90_min=9.0),
    row("pickup"),
]
LABELS = {"moving": "転入・転出・転居の届出", "certificates": "証明書"}


def test_the_counts_chart_writes_each_rows_numbers_and_uses_patterns() -> None:
    svg = counts_chart(ROWS, LABELS, "業務別の件数")
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.find("svg:title", NS) is not None
    assert "計18（対応済12・不在2・取消・離脱1・待ち・対応中3）" in svg
    assert "計40（対応済40）" in svg
    fills = {r.get("fill") for r in root.iter("{http://www.w3.org/2000/svg}rect")}
    assert {"url(#hatch)", "url(#dots)"} <= fills  # no-show and left: patterns


def test_the_waits_chart_marks_the_target_and_rows_without_waits() -> None:
    svg = waits_chart(ROWS, LABELS, "業務別の待ち時間", 30.0)
    ET.fromstring(svg)
    assert "平均14.5分・90% 31分" in svg and "平均4.25分・90% 9分" in svg
    assert "目標 30分（破線）" in svg and 'stroke-dasharray="6 4"' in svg
    assert "対応なし" in svg  # pickup: no served record


def test_two_charts_on_one_page_have_their_own_pattern_ids() -> None:
    a = counts_chart(ROWS, LABELS, "a", prefix="c-")
    b = waits_chart(ROWS, LABELS, "b", 30.0, prefix="w-")
    assert 'id="c-hatch"' in a and "url(#c-hatch)" in a and 'id="hatch"' not in a
    assert 'id="w-grid"' in b and "url(#w-grid)" in b


def test_no_rows_still_draw_an_empty_chart() -> None:
    ET.fromstring(counts_chart([], {}, "なし"))
    ET.fromstring(waits_chart([], {}, "なし", 30.0))
