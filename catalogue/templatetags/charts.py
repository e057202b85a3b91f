import itertools

from django import template

from catalogue import charts

register = template.Library()
_ids = itertools.count(1)


@register.inclusion_tag("_bar_chart.svg")
def bar_chart(bars, title, description="", unit=""):
    """``{% bar_chart bars title description unit %}``: ``bars`` are catalogue.charts.Bar; the
    title and description name the chart for assistive technology (and show as its caption)."""
    drawn, height = charts.layout(bars)
    return {"bars": drawn, "title": title, "description": description, "unit": unit,
            "width": charts.WIDTH, "height": height, "bar_height": charts.BAR_HEIGHT, "row_height": charts.ROW,
            "chart_id": f"chart-{next(_ids)}"}
