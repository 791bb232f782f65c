"""Settings for bench/web.py: the production settings, plus the bare view's URL (bench/web_urls.py).

Nothing else changes, so every page is served exactly as in production.
"""

from sscportal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.web_urls"
