"""Small bar charts drawn as inline SVG on the server: no chart library, no script, no CDN."""

from dataclasses import dataclass

WIDTH = 640
BAR_GAP = 6
LABEL_HEIGHT = 36
CHART_HEIGHT = 160


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    segments: list[dict]  # each: y, height, value, css, label
    label: str
    total: int


def bars(columns: list[dict], series: list[tuple[str, str, str]]) -> dict:
    """Lay out stacked bars. `columns` are dicts of values; `series` is (key, label, css)."""
    peak = max([sum(column[key] for key, _, _ in series) for column in columns] + [1])
    slot = WIDTH / max(len(columns), 1)
    laid_out = []
    for index, column in enumerate(columns):
        top = CHART_HEIGHT
        segments = []
        for key, label, css in series:
            value = column[key]
            height = CHART_HEIGHT * value / peak
            top -= height
            segments.append(
                {"y": top, "height": height, "value": value, "css": css, "label": label}
            )
        laid_out.append(
            Bar(
                x=index * slot + BAR_GAP / 2,
                width=max(slot - BAR_GAP, 1),
                segments=segments,
                label=column["label"],
                total=sum(segment["value"] for segment in segments),
            )
        )
    return {
        "bars": laid_out,
        "width": WIDTH,
        "height": CHART_HEIGHT + LABEL_HEIGHT,
        "chart_height": CHART_HEIGHT,
        "series": series,
        "peak": peak,
    }
