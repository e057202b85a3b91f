import pytest
from django.core.management import call_command
from django.db import connection


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with both documents loaded, as `make run` serves them."""
    with django_db_blocker.unblock():
        call_command("load_catalogue", verbosity=0)


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def forget_cached_pages():
    """Each test starts with an empty cache: tests roll their writes back, which the cache's
    keys (the index state's time stamp) cannot see."""
    from django.core.cache import cache

    cache.clear()
