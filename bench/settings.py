"""Settings for the benchmark server: the product's own settings, with the bench-only baseline views
mounted beside the product's URLs (bench/urls.py). Nothing in haven/ changes.

Selected with DJANGO_SETTINGS_MODULE=bench.settings by bench/concerns.py, for gunicorn and in-process.
"""

from haven.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
