"""Time what a curator's edit of a name costs: the admin request (which queues the index rebuild)
and the rebuild the task worker then runs. Writes to the database it is given (a department's
alias is added, then removed again): run it on a benchmark database.

    DEBUG=0 DATABASE_URL=… python manage.py time_name_edit [--repeat 5]
"""
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.test import Client
from django.test.utils import override_settings
from django_tasks_db.models import DBTaskResult

from catalogue.db import without_statement_timeout
from measures import services
from measures.models import Department, Measure

ALIAS = "基准测试别名"


def department_form(department, aliases):
    return {"slug": department.slug, "name": department.name, "full_name": department.full_name,
            "aliases": str(aliases).replace("'", '"'), "successor": department.successor_id or "",
            "changes": department.changes, "changes_en": department.changes_en, "basis": department.basis,
            "basis_en": department.basis_en, "position": department.position}


class Command(BaseCommand):
    help = "Time an admin edit of a department's aliases (rebuild queued, not run) and the rebuild itself."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=5, help="Admin edits to time (each adds or removes the alias).")
        parser.add_argument("--department", default="csrc")

    def handle(self, *args, repeat, department, **options):
        user, _ = get_user_model().objects.get_or_create(
            username="bench-curator", defaults={"is_staff": True, "is_superuser": True})
        client = Client()
        client.force_login(user)
        dept = Department.objects.get(slug=department)
        url = f"/admin/measures/department/{dept.pk}/change/"
        original = list(dept.aliases)
        timings = []
        with override_settings(ALLOWED_HOSTS=["*"]):
            client.get(url)  # warm: the admin's form, the URLconf
            for i in range(repeat):
                dept.refresh_from_db()
                aliases = original + [ALIAS] if i % 2 == 0 else original
                started = time.perf_counter()
                response = client.post(url, department_form(dept, aliases))
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 302, response.content[:500]
        queued = DBTaskResult.objects.filter(status="READY", task_path__endswith="rebuild_search_index").count()
        self.stdout.write(f"measures: {Measure.objects.count():,} | admin edit of {dept.name}'s aliases, {repeat} times: "
                          f"median {statistics.median(timings):.0f} ms, max {max(timings):.0f} ms "
                          f"(rebuilds queued: {queued})")
        # What the worker then does (the tasks queued are one rebuild's worth of work): with the
        # alias in, then again with it out, as the data was.
        for aliases in (original + [ALIAS], original):
            dept.refresh_from_db()
            if dept.aliases != aliases:
                dept.aliases = aliases
                dept.save()
            started = time.perf_counter()
            with without_statement_timeout():
                count = services.rebuild_search_index(force=False)
            elapsed = time.perf_counter() - started
            self.stdout.write(f"the rebuild the worker runs: {count:,} measures in {elapsed:.1f} s "
                              f"({count / elapsed:,.0f}/s), in one process")
        DBTaskResult.objects.filter(status="READY", task_path__endswith="rebuild_search_index").delete()
