"""Small charts drawn on the server as SVG geometry: no chart library, no script."""

from __future__ import annotations


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
