"""Horizontal bar charts drawn on the server as SVG: no script, no inline style (the CSP allows
none), every bar a link, every number also written as text. The geometry lives here; the
drawing is templates/_bar_chart.svg, through the ``bar_chart`` tag (catalogue.templatetags.charts)."""
from dataclasses import dataclass

WIDTH = 360           # viewBox units: about CSS pixels on a phone; the stylesheet caps the drawn width
ROW = 46              # a label line above each bar, then the bar
LABEL_Y = 16
BAR_Y = 22
BAR_HEIGHT = 16
NUMBER_ROOM = 48      # right of the longest bar, for its number
LABEL_CHARS = 24      # longer labels are clipped (the full label is the link's accessible name)


@dataclass
class Bar:
    label: str
    value: int
    url: str


@dataclass
class DrawnBar:
    bar: Bar
    y: int
    label_y: int
    bar_y: int
    width: float
    number_x: float

    @property
    def label(self):
        label = self.bar.label
        return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def layout(bars):
    """Each bar's place and length, scaled to the largest value; a zero is a sliver, still a link."""
    longest = max((b.value for b in bars), default=0) or 1
    drawn = []
    for i, bar in enumerate(bars):
        y = i * ROW
        width = round(max(bar.value / longest * (WIDTH - NUMBER_ROOM), 2), 1)
        drawn.append(DrawnBar(bar, y, y + LABEL_Y, y + BAR_Y, width, width + 6))
    return drawn, len(bars) * ROW
