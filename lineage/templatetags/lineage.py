"""``{% load lineage %}{% measure_line measure %}``: a measure's line on its page. The measures floor
knows nothing of links; its template asks for them here."""
from django import template

from lineage.selectors import measure_line as line_of

register = template.Library()


@register.inclusion_tag("lineage/_measure_line.html")
def measure_line(measure):
    return {"line": line_of(measure.pk), "measure": measure}
