import json

from api.views import api
from measures.models import Measure


def openapi():
    """The OpenAPI description as /api/schema/ serves it (as JSON: status codes as strings)."""
    return json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/")))


def measure_key(measure):
    """#11 for a list measure, hang-yong-wen/3 for the 3rd task of a region."""
    if measure.number:
        return f"#{measure.number}"
    position = list(measure.region.tasks.order_by("position").values_list("pk", flat=True)).index(measure.pk) + 1
    return f"{measure.region.slug}/{position}"


def measure_by_key(key):
    if key.startswith("#"):
        return Measure.objects.get(number=int(key[1:]))
    slug, position = key.split("/")
    return Measure.objects.filter(region__slug=slug).order_by("position")[int(position) - 1]


def api_keys(client, query, **params):
    response = client.get("/api/measures/", {"q": query, **params})
    assert response.status_code == 200, response.content
    ids = [r["id"] for r in response.json()["results"]]
    by_id = {m.pk: m for m in Measure.objects.filter(pk__in=ids).select_related("region")}
    return [measure_key(by_id[i]) for i in ids]


def api_every_page(client, **params):
    """Every result of /api/measures/ for ``params``, following ``next`` to the last page."""
    results, url, query = [], "/api/measures/", params
    while url:
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        data = response.json()
        results += data["results"]
        url, query = data["next"], None  # next carries the parameters
    return results
