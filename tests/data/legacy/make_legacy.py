"""How tests/data/legacy/* were made: a catalogue as commit d95f71b served it (before the floors
were redesigned), loaded and then edited by a curator in the admin. Run with that commit's code:

    DATABASE_URL=sqlite:////tmp/legacy.sqlite3 python manage.py migrate
    DATABASE_URL=sqlite:////tmp/legacy.sqlite3 python manage.py load_catalogue
    DATABASE_URL=sqlite:////tmp/legacy.sqlite3 python manage.py shell < tests/data/legacy/make_legacy.py
"""
from django.contrib.auth import get_user_model
from django.test import Client

from measures.models import Department, Measure
from pilots.models import Membership, Place, Programme, Region

curator = get_user_model().objects.create_superuser("curator", "curator@example.org", "a-long-pass-phrase")
client = Client()
client.force_login(curator)


def post(url, data):
    response = client.post(url, data)
    assert response.status_code == 302, (url, response.content.decode()[:3000])


department = Department.objects.get(slug="csrc")
post(f"/admin/measures/department/{department.pk}/change/", {
    "slug": "csrc", "name": department.name, "full_name": department.full_name,
    "aliases": '["证监会", "中国证券监管机构"]', "successor": "", "changes": "", "basis": department.basis,
    "position": department.position,
})
measure = Measure.objects.get(number=9)
post(f"/admin/measures/measure/{measure.pk}/change/", {
    "document": measure.document_id, "position": measure.position, "number": measure.number,
    "category": measure.category_id, "region": "", "title": measure.title,
    "text": measure.text + "（馆员补记：试点内容）", "separator": measure.separator,
    "departments": [d.pk for d in measure.departments.all()] + [Department.objects.get(slug="most").pk],
    "departments_as_written": measure.departments_as_written, "scope": measure.scope,
    "scope_as_written": measure.scope_as_written, "scope_programme": measure.scope_programme_id or "",
})
region = Region.objects.get(slug="hang-yong-wen")
post(f"/admin/pilots/region/{region.pk}/change/", {
    "slug": region.slug, "programme": region.programme_id, "name": region.name,
    "composition": region.composition + "（馆员核对）", "basis": region.basis, "position": region.position,
    "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
    "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
})
programme = Programme.objects.get(slug="factor-market-reform-pilots")
post(f"/admin/pilots/programme/{programme.pk}/change/", {
    "slug": programme.slug, "name": programme.name, "description": programme.description + " 馆员补记。",
    "basis": programme.basis, "document": programme.document_id, "position": programme.position,
    "regions-TOTAL_FORMS": "0", "regions-INITIAL_FORMS": "0",
    "regions-MIN_NUM_FORMS": "0", "regions-MAX_NUM_FORMS": "1000",
})
membership = Membership.objects.get(region__slug="hefei-metropolitan-circle", place__name="桐城市")
post(f"/admin/pilots/membership/{membership.pk}/change/", {
    "region": membership.region_id, "place": membership.place_id, "kind": membership.kind,
    "basis": membership.basis + "（馆员核对）", "to_confirm": "on",
})
place = Place.objects.get(code="330200")
post(f"/admin/pilots/place/{place.pk}/change/", {
    "code": place.code, "name": place.name, "short_name": place.short_name, "pinyin": place.pinyin,
    "level": place.level, "parent": place.parent_id, "longitude": place.longitude, "latitude": place.latitude,
    "names": '["宁波市", "宁波", "ningbo", "甬城"]', "source": place.source_id,
})
print("edited:", Measure.history.count(), Department.history.count(), Region.history.count(), Place.history.count())
