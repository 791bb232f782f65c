"""Temporary upload files: spooled inside the private store, and swept when a worker left one.

Django writes an upload bigger than FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file and deletes
it when the request ends; a worker killed mid-request (a gunicorn timeout, an OOM kill) leaves
it behind. Settings put FILE_UPLOAD_TEMP_DIR inside the private store, never /tmp.
"""

import logging
import os
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler

logger = logging.getLogger(__name__)

# Far longer than any request may run (gunicorn kills a worker after 30 seconds by default).
STALE_AFTER = timedelta(hours=1)


def upload_temp_dir() -> Path:
    return Path(settings.FILE_UPLOAD_TEMP_DIR)


class PrivateTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's handler, creating the temp dir (owner-only) first if it is missing."""

    def new_file(self, *args, **kwargs):
        # Checked on every upload, not at start-up: the store may be mounted or emptied later.
        upload_temp_dir().mkdir(mode=0o700, parents=True, exist_ok=True)
        super().new_file(*args, **kwargs)


def remove_stale_upload_files(*, older_than: timedelta = STALE_AFTER) -> int:
    """Delete temporary upload files not written to for `older_than`; return how many."""
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    try:
        entries = list(os.scandir(upload_temp_dir()))
    except FileNotFoundError:
        return 0
    for entry in entries:
        try:
            is_stale = (
                entry.is_file(follow_symlinks=False)
                and entry.stat(follow_symlinks=False).st_mtime < cutoff
            )
            if is_stale:
                os.unlink(entry.path)
                removed += 1
        except FileNotFoundError:
            continue  # its request finished and took it, or another sweep got there first
    if removed:
        logger.warning("Removed %s abandoned upload files from %s", removed, upload_temp_dir())
    return removed
