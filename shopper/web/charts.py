"""Small charts drawn on the server as SVG geometry: no chart library, no script."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape


def sparkline(values: list[float | None], width: int = 120, height: int = 32,
              low: float = 0, high: float = 100, pad: float = 3) -> dict:
    """Points of a line through `values` (gaps allowed) scaled into width × height, and
    the position of the last point, for an inline SVG polyline."""
    n = len(values)
    if n == 0:
        return {"segments": [], "last": None, "width": width, "height": height}
    step = (width - 2 * pad) / max(n - 1, 1)

    def point(i, v):
        y = height - pad - (min(max(v, low), high) - low) / (high - low) * (height - 2 * pad)
        return round(pad + i * step, 1), round(y, 1)

    segments, current = [], []
    for i, v in enumerate(values):
        if v is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(point(i, v))
    if current:
        segments.append(current)
    last = next(((point(i, v)) for i, v in reversed(list(enumerate(values))) if v is not None),
                None)
    return {"segments": [" ".join(f"{x},{y}" for x, y in s) for s in segments], "last": last,
            "width": width, "height": height}


# Charts for head office's comparison pages (issue 17). Each returns one <svg> that scales
# to its container (viewBox, width 100%), names itself for screen readers (role="img", or
# "group" when it has links or points to tab to; aria-labelledby its <title> and <desc>),
# and draws with classes and presentation attributes only: the content security policy
# forbids style attributes.

WIDTH = 400  # viewBox units: a 390 px phone shows the charts at about their size
SERIES_STYLES = 6  # distinct colours and dashes (app.css .series-N)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_keys(start: date, end: date) -> list[str]:
    """Every calendar month from start's to end's, as "YYYY-MM"."""
    keys, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return keys


def month_label(key: str) -> str:
    """"2026-11" -> "Nov 2026"."""
    return f"{MONTHS[int(key[5:7]) - 1]} {key[:4]}"


def _svg(chart_id: str, title: str, description: str, height: float, body: list[str],
         css: str) -> Markup:
    """A chart whose parts can be reached (links, points to tab to) is a named group, so
    that screen readers reach them too; one without is a single named image."""
    inner = "".join(body)
    role = "group" if ("<a " in inner or "tabindex=" in inner) else "img"
    return Markup(
        f'<svg class="chart {css}" id="{chart_id}" viewBox="0 0 {WIDTH} {height:g}" '
        f'width="100%" role="{role}" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>' + inner + "</svg>")


def _text(x: float, y: float, text: str, css: str = "chart-label", anchor: str = "start"
          ) -> str:
    return (f'<text class="{css}" x="{x:g}" y="{y:g}" text-anchor="{anchor}">'
            f'{escape(text)}</text>')


def _short(label: str, most: int) -> str:
    """A label cut to `most` characters (the whole of it is in the chart's <title>s)."""
    return label if len(label) <= most else label[:most - 1].rstrip() + "…"


def trend_chart(chart_id: str, months: list[str], series: dict[str, dict[str, float]],
                target: float | None = None, title: str = "Average score per month") -> Markup:
    """Lines of monthly averages (0–100%) over `months` ("YYYY-MM"; a month without
    visits is a gap), with axes, month labels, a dashed target line, and a point per
    month that says its value on hover and keyboard focus (tabindex 0: a <title> for
    screen readers and tooltips, and a label app.css shows while hovered or focused)."""
    left, right, top, bottom = 34, 10, 12, 40
    height = 220
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    step = plot_w / max(len(months) - 1, 1)

    def x(i: int) -> float:
        return round(left + (i * step if len(months) > 1 else plot_w / 2), 1)

    def y(v: float) -> float:
        return round(top + plot_h - max(0.0, min(v, 100.0)) / 100 * plot_h, 1)

    body = []
    for tick in range(0, 101, 25):
        body.append(f'<line class="chart-grid" x1="{left}" x2="{WIDTH - right}" '
                    f'y1="{y(tick)}" y2="{y(tick)}"/>')
        body.append(_text(left - 6, y(tick) + 4, f"{tick}%", "chart-label axis-y", "end"))
    body.append(f'<line class="chart-axis" x1="{left}" x2="{left}" y1="{top}" '
                f'y2="{top + plot_h}"/>')
    body.append(f'<line class="chart-axis" x1="{left}" x2="{WIDTH - right}" '
                f'y1="{top + plot_h}" y2="{top + plot_h}"/>')
    every = max(1, -(-len(months) // 12))
    for i, key in enumerate(months):
        if i % every == 0:
            body.append(_text(x(i), top + plot_h + 15, MONTHS[int(key[5:7]) - 1],
                              "chart-label axis-x", "middle"))
            if i == 0 or key.endswith("-01"):
                body.append(_text(x(i), top + plot_h + 29, key[:4], "chart-label axis-x",
                                  "middle"))
    if target is not None:
        body.append(f'<line class="chart-target" x1="{left}" x2="{WIDTH - right}" '
                    f'y1="{y(target)}" y2="{y(target)}"/>')
        body.append(_text(WIDTH - right - 2, y(target) - 5, f"Target {target:g}%",
                          "chart-label chart-target-label", "end"))
    for number, (name, values) in enumerate(series.items()):
        css = f"series series-{number % SERIES_STYLES}"
        segment: list[str] = []
        segments = []
        for i, key in enumerate(months):
            if values.get(key) is None:
                segments.append(segment)
                segment = []
            else:
                segment.append(f"{x(i)},{y(values[key])}")
        segments.append(segment)
        for s in segments:
            if len(s) > 1:
                body.append(f'<polyline class="{css} series-line" points="{" ".join(s)}"/>')
        for i, key in enumerate(months):
            if values.get(key) is not None:
                px, py = x(i), y(values[key])
                body.append(
                    f'<g class="{css} chart-point" tabindex="0"><title>{escape(name)}, '
                    f'{month_label(key)}: {values[key]:.1f}%</title>'
                    f'<circle cx="{px}" cy="{py}" r="4"/>'
                    + _text(min(max(px, left + 40), WIDTH - right - 40), max(py - 10, 10),
                            f"{name} {values[key]:.1f}%", "chart-label point-value", "middle")
                    + "</g>")
    shown = [month_label(months[0]), month_label(months[-1])] if months else ["", ""]
    description = (f"{', '.join(series)} from {shown[0]} to {shown[1]}"
                   + (f", against a target of {target:g}%" if target is not None else "")
                   + ". The table below gives every value.")
    return _svg(chart_id, title, description, height, body, "trend-chart")


def strip_plot(chart_id: str, rows: list[dict], title: str) -> Markup:
    """Each row's visit scores as dots along 0–100%, with its average as a bar across:
    how widely a branch's visits spread. rows: {"label", "values", "average"}."""
    label_w, right, row_h, top = 132, 14, 26, 8
    plot_w = WIDTH - label_w - right
    height = top + row_h * len(rows) + 28

    def x(v: float) -> float:
        return round(label_w + max(0.0, min(v, 100.0)) / 100 * plot_w, 1)

    body = []
    for tick in range(0, 101, 25):
        body.append(f'<line class="chart-grid" x1="{x(tick)}" x2="{x(tick)}" y1="{top}" '
                    f'y2="{height - 24}"/>')
        body.append(_text(x(tick), height - 8, f"{tick}%", "chart-label axis-x", "middle"))
    for i, row in enumerate(rows):
        mid = top + row_h * i + row_h / 2
        body.append(_text(label_w - 8, mid + 4, _short(row["label"], 19), "chart-label", "end"))
        body.append(f'<line class="strip-track" x1="{x(0)}" x2="{x(100)}" y1="{mid}" '
                    f'y2="{mid}"/>')
        for value in row["values"]:
            body.append(f'<circle class="strip-dot" cx="{x(value)}" cy="{mid}" r="4"/>')
        body.append(
            f'<g class="strip-mean" tabindex="0"><title>{escape(row["label"])}: '
            f'{len(row["values"])} visits, average {row["average"]:.1f}%, from '
            f'{min(row["values"]):.0f}% to {max(row["values"]):.0f}%</title>'
            f'<rect x="{x(row["average"]) - 1.5}" y="{mid - 9}" width="3" height="18"/></g>')
    return _svg(chart_id, title, "Each dot is one visit's score; the upright bar is the "
                "average. The table gives each branch's figures.", height, body, "strip-plot")


def rate_bars(chart_id: str, bars: list[dict], title: str, description: str) -> Markup:
    """Horizontal bars of a rate (0–100%), labelled, each a link where it has an href.
    bars: {"label", "rate", "detail", "href" (optional), "css" (optional)}."""
    label_w, right, row_h = 132, 84, 26
    plot_w = WIDTH - label_w - right
    body = []
    for i, bar in enumerate(bars):
        top = i * row_h + 4
        width = round(max(0.0, min(bar["rate"], 100.0)) / 100 * plot_w, 1)
        parts = (_text(label_w - 8, top + 13, _short(bar["label"], 19), "chart-label", "end")
                 + f'<rect class="rate-track" x="{label_w}" y="{top}" width="{plot_w}" '
                 f'height="18" rx="3"/>'
                 + f'<rect class="rate-bar {bar.get("css", "")}" x="{label_w}" y="{top}" '
                 f'width="{width}" height="18" rx="3"/>'
                 + _text(label_w + plot_w + 6, top + 13, bar["detail"], "chart-label"))
        if bar.get("href"):
            body.append(f'<a class="chart-link" href="{escape(bar["href"])}"><title>'
                        f'{escape(bar["label"])}: {escape(bar["detail"])}</title>{parts}</a>')
        else:
            body.append(f'<g><title>{escape(bar["label"])}: {escape(bar["detail"])}'
                        f'</title>{parts}</g>')
    return _svg(chart_id, title, description, len(bars) * row_h + 8, body, "rate-bars")


def split_bars(chart_id: str, rows: list[dict], title: str) -> Markup:
    """Golden against dull moments per row: golden to the right of the centre line with a
    ★ and its share, dull to the left with a ▼, so colour does not carry the meaning
    alone. rows: {"label", "golden", "dull"} (shares, 0–100)."""
    label_w, right, row_h, top = 104, 6, 30, 26
    half = (WIDTH - label_w - right) / 2
    centre = label_w + half
    scale = max([r["golden"] for r in rows] + [r["dull"] for r in rows] + [10.0])
    height = top + row_h * len(rows) + 6
    body = [_text(centre - 6, 16, "▼ Dull", "chart-label split-dull-label", "end"),
            _text(centre + 6, 16, "Golden ★", "chart-label split-golden-label")]
    for i, row in enumerate(rows):
        y = top + row_h * i
        label = _short(row["label"], 14)
        dull_w = round(row["dull"] / scale * (half - 42), 1)
        golden_w = round(row["golden"] / scale * (half - 42), 1)
        body.append(
            f'<g class="split-row" tabindex="0"><title>{escape(row["label"])}: golden '
            f'{row["golden"]:g}%, dull {row["dull"]:g}%</title>'
            + _text(label_w - 8, y + 15, label, "chart-label", "end")
            + f'<rect class="split-dull" x="{round(centre - dull_w, 1)}" y="{y + 2}" '
            f'width="{dull_w}" height="18"/>'
            + f'<rect class="split-golden" x="{centre}" y="{y + 2}" width="{golden_w}" '
            f'height="18"/>'
            + _text(round(centre - dull_w - 4, 1), y + 15, f"▼ {row['dull']:.0f}%",
                    "chart-label split-dull-label", "end")
            + _text(round(centre + golden_w + 4, 1), y + 15, f"★ {row['golden']:.0f}%",
                    "chart-label split-golden-label")
            + "</g>")
    body.append(f'<line class="chart-axis" x1="{centre}" x2="{centre}" y1="{top - 4}" '
                f'y2="{height - 4}"/>')
    return _svg(chart_id, title, "Share of visits with a golden moment (★, right) and a dull "
                "moment (▼, left) at each touchpoint. The table gives the figures.",
                height, body, "split-bars")
