"""Small bar charts drawn as inline SVG on the server: no chart library, no script, no CDN.

Bars run across, one row per column, with the label in full (beside the bar when it fits,
above it otherwise) and the total at the bar's end. The drawing is as wide as the narrowest
place it is shown (a third of the desktop page, or a phone), so a unit is about a CSS pixel
there and FONT_SIZE is close to what people read.
"""

from dataclasses import dataclass

WIDTH = 300
FONT_SIZE = 13  # user units, set in portal.css; the browser test checks it renders >= 12 px
# Generous (wide fonts' digits and capitals), so a label beside its bar never runs off the edge.
CHAR_WIDTH = 8.5
GAP = 6
MAX_LABEL_BESIDE = 120
VALUE_WIDTH = 34
BAR_HEIGHT = 16
ROW_GAP = 8
MAX_LABEL_CHARS = 40  # above its bar, a label has the whole width: 40 characters fit


@dataclass(frozen=True)
class Bar:
    y: str  # coordinates as SVG text, one decimal
    text_y: str
    segments: list[dict]  # each: x, width (text), value, css, label
    label: str
    full_label: str
    total: int
    shown: str  # the total as written at the bar's end
    value_x: str
    value_y: str


def _n(value: float) -> str:
    # Formatted here once, so the template prints coordinates without a filter per number.
    return f"{value:.1f}"


def _shorten(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def bars(columns: list[dict], series: list[tuple[str, str, str]]) -> dict:
    """Lay out stacked bars. `columns` are dicts of values (and optionally "shown", the total as
    it should read, such as "1,000+"); `series` is (key, label, css)."""
    peak = max([sum(column[key] for key, _, _ in series) for column in columns] + [1])
    labels = [_shorten(column["label"]) for column in columns]
    label_width = max((len(label) for label in labels), default=0) * CHAR_WIDTH + GAP
    beside = label_width <= MAX_LABEL_BESIDE
    bar_left = label_width if beside else 0
    row_height = BAR_HEIGHT + ROW_GAP + (0 if beside else FONT_SIZE + GAP)
    track = WIDTH - bar_left - VALUE_WIDTH
    # Puts the text's middle on the bar's middle, without relying on dominant-baseline.
    middle = BAR_HEIGHT / 2 + FONT_SIZE * 0.35
    laid_out = []
    for index, (column, label) in enumerate(zip(columns, labels, strict=True)):
        top = index * row_height + ROW_GAP / 2
        bar_top = top if beside else top + FONT_SIZE + GAP
        left = bar_left
        segments = []
        for key, series_label, css in series:
            value = column[key]
            width = track * value / peak
            segments.append(
                {
                    "x": _n(left),
                    "width": _n(width),
                    "value": value,
                    "css": css,
                    "label": series_label,
                }
            )
            left += width
        laid_out.append(
            Bar(
                y=_n(bar_top),
                text_y=_n(top + middle if beside else top + FONT_SIZE),
                segments=segments,
                label=label,
                full_label=column["label"],
                total=sum(segment["value"] for segment in segments),
                shown=column.get("shown") or str(sum(segment["value"] for segment in segments)),
                value_x=_n(left + GAP / 2),
                value_y=_n(bar_top + middle),
            )
        )
    return {
        "bars": laid_out,
        "width": WIDTH,
        "height": f"{max(len(columns), 1) * row_height:.0f}",
        "label_x": _n(label_width - GAP if beside else 0),
        "label_anchor": "end" if beside else "start",
        "bar_height": BAR_HEIGHT,
        "series": series,
        "peak": peak,
    }
