import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalogue.settings.dev")
application = get_wsgi_application()

# Under gunicorn's preload this runs in the master: jieba's main dictionary is loaded once,
# before the workers fork. (It needs no database.)
from catalogue.search.segment import warm_up  # noqa: E402

warm_up()
