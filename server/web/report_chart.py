"""The reports' charts, drawn on the server as SVG (pure: rows in, text out). Made to be
read printed in black and white: every series has its own pattern and a legend, every bar
its number written next to it, the target a dashed line with its label."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

WIDTH = 960
LABEL_W = 300  # the rows' names
VALUE_W = 220  # the numbers written after each bar
ROW_H = 30
TOP = 62  # the title and the legend
BOTTOM = 30  # the axis' numbers
FONT = "Noto Sans CJK JP, Noto Sans JP, IPAGothic, sans-serif"

# The counts, stacked: (field, name, fill). Patterns are defined in _DEFS.
SERIES = (
    ("served", "対応済", "#333333"),
    ("no_show", "不在", "url(#hatch)"),
    ("left", "取消・離脱", "url(#dots)"),
    ("waiting", "待ち・対応中", "#ffffff"),
)
_DEFS = (
    "<defs>"
    '<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse"'
    ' patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="2.4"/></pattern>'
    '<pattern id="dots" width="6" height="6" patternUnits="userSpaceOnUse">'
    '<rect width="6" height="6" fill="#fff"/><circle cx="3" cy="3" r="1.3" fill="#000"/></pattern>'
    '<pattern id="grid" width="8" height="8" patternUnits="userSpaceOnUse">'
    '<rect width="8" height="8" fill="#fff"/><path d="M0 0H8M0 0V8" stroke="#555" stroke-width="1"/>'
    "</pattern></defs>"
)


def _step(top: float) -> float:
    """A round step for about five grid lines up to `top`."""
    if top <= 0:
        return 1.0
    raw = top / 5
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _num(value: float) -> str:
    return f"{value:g}"


def _frame(title: str, rows: int, legend: list[tuple[str, str, str]]) -> tuple[list[str], int]:
    height = TOP + max(rows, 1) * ROW_H + BOTTOM
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}"'
        f' height="{height}" role="img" font-family="{FONT}" font-size="14">',
        f"<title>{escape(title)}</title>",
        _DEFS,
        f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>',
        f'<text x="0" y="20" font-size="16" font-weight="bold">{escape(title)}</text>',
    ]
    x = 0
    for name, fill, stroke in legend:
        out.append(
            f'<rect x="{x}" y="34" width="18" height="14" fill="{fill}" stroke="{stroke}"'
            ' stroke-width="1.2"/>'
        )
        out.append(f'<text x="{x + 24}" y="46">{escape(name)}</text>')
        x += 34 + 15 * len(name)
    return out, height


def _axis(out: list[str], top: float, height: int, unit: str) -> float:
    """Grid lines and their numbers; returns the pixels per unit."""
    plot_w = WIDTH - LABEL_W - VALUE_W
    step = _step(top)
    top = max(step, math.ceil(top / step) * step)
    scale = plot_w / top
    value = 0.0
    while value <= top + 1e-9:
        x = LABEL_W + value * scale
        out.append(
            f'<line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{height - BOTTOM + 4}"'
            ' stroke="#bbb" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" font-size="12">'
            f"{_num(value)}{unit}</text>"
        )
        value += step
    return scale


def _label(out: list[str], i: int, name: str) -> float:
    y = TOP + i * ROW_H
    name = name if len(name) <= 19 else name[:18] + "…"  # 19 full-width characters fit
    out.append(
        f'<text x="{LABEL_W - 8}" y="{y + ROW_H / 2 + 5}" text-anchor="end">{escape(name)}</text>'
    )
    return y


def _own_ids(svg: str, prefix: str) -> str:
    """Two charts inline in one page each need their own pattern ids."""
    return svg.replace('id="', f'id="{prefix}').replace("url(#", f"url(#{prefix}")


def counts_chart(
    rows: Sequence[Mapping[str, Any]], labels: Mapping[str, str], title: str, prefix: str = ""
) -> str:
    """How each group's tickets ended: stacked bars, the numbers written after them."""
    legend = [(name, fill, "#000") for _, name, fill in SERIES]
    out, height = _frame(title, len(rows), legend)
    top = max((sum(r[f] for f, _, _ in SERIES) for r in rows), default=0)
    scale = _axis(out, top, height, "件")
    for i, row in enumerate(rows):
        y = _label(out, i, labels.get(str(row["key"]), str(row["key"])))
        x = float(LABEL_W)
        for field, _, fill in SERIES:
            w = row[field] * scale
            if w > 0:
                out.append(
                    f'<rect x="{x:.1f}" y="{y + 5}" width="{w:.1f}" height="{ROW_H - 10}"'
                    f' fill="{fill}" stroke="#000" stroke-width="1"/>'
                )
            x += w
        parts = [f"{name}{row[field]}" for field, name, _ in SERIES if row[field]]
        text = f"計{sum(row[f] for f, _, _ in SERIES)}（{'・'.join(parts)}）" if parts else "0"
        out.append(
            f'<text x="{x + 6:.1f}" y="{y + ROW_H / 2 + 5}" font-size="12">{escape(text)}</text>'
        )
    out.append("</svg>")
    return _own_ids("".join(out), prefix)


def waits_chart(
    rows: Sequence[Mapping[str, Any]],
    labels: Mapping[str, str],
    title: str,
    target_min: float,
    prefix: str = "",
) -> str:
    """Each group's mean wait (a bar), its 90th percentile (a black tick) and the target
    (a dashed line), the minutes written after each bar."""
    legend = [
        ("平均待ち時間", "url(#grid)", "#000"),
        ("90%の人の待ち時間（太線）", "#000", "#000"),
        (f"目標 {_num(target_min)}分（破線）", "#fff", "#000"),
    ]
    out, height = _frame(title, len(rows), legend)
    top = max([target_min] + [r[f] or 0 for r in rows for f in ("wait_mean_min", "wait_p90_min")])
    scale = _axis(out, top, height, "分")
    for i, row in enumerate(rows):
        y = _label(out, i, labels.get(str(row["key"]), str(row["key"])))
        mean, p90 = row["wait_mean_min"], row["wait_p90_min"]
        if mean is None:
            out.append(
                f'<text x="{LABEL_W + 6}" y="{y + ROW_H / 2 + 5}" font-size="12">対応なし</text>'
            )
            continue
        w = mean * scale
        out.append(
            f'<rect x="{LABEL_W}" y="{y + 7}" width="{w:.1f}" height="{ROW_H - 14}"'
            ' fill="url(#grid)" stroke="#000" stroke-width="1"/>'
        )
        x90 = LABEL_W + p90 * scale
        out.append(
            f'<line x1="{x90:.1f}" y1="{y + 3}" x2="{x90:.1f}" y2="{y + ROW_H - 3}"'
            ' stroke="#000" stroke-width="4"/>'
        )
        text = f"平均{_num(mean)}分・90% {_num(p90)}分"
        out.append(
            f'<text x="{max(LABEL_W + w, x90) + 8:.1f}" y="{y + ROW_H / 2 + 5}" font-size="12">'
            f"{escape(text)}</text>"
        )
    xt = LABEL_W + target_min * scale
    out.append(
        f'<line x1="{xt:.1f}" y1="{TOP - 6}" x2="{xt:.1f}" y2="{height - BOTTOM + 4}"'
        ' stroke="#000" stroke-width="2" stroke-dasharray="6 4"/>'
    )
    out.append("</svg>")
    return _own_ids("".join(out), prefix)
