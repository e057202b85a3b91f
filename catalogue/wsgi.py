import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalogue.settings.dev")
application = get_wsgi_application()

# Under gunicorn's preload this runs in the master: jieba's main dictionary is loaded once,
# before the workers fork. (It needs no database.) Then everything loaded so far is left out of
# the garbage collector's full passes: they would walk it all again in every worker, now and then
# in the middle of a request, and write to its pages, which the workers otherwise share.
import gc  # noqa: E402

from catalogue.search.segment import warm_up  # noqa: E402

warm_up()
gc.freeze()
