"""Temporary upload files stay in the private store, and the ones a killed worker left are swept.

Issue 9, item 19: a worker killed while receiving an upload left a partial copy (possibly
TLP:RED) in the system temp directory, never cleaned up.
"""

import os
import stat
import time
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.core.management import call_command
from django.urls import reverse

from notifications.models import Attachment
from sscportal.tasks import sweep_upload_temp
from sscportal.uploads import STALE_AFTER, remove_stale_upload_files
from tests.uploads import PDF_BYTES, upload


def temp_dir(settings) -> Path:
    return Path(settings.FILE_UPLOAD_TEMP_DIR)


def test_a_large_upload_is_spooled_inside_the_private_store(rf, settings):
    assert not temp_dir(settings).exists()
    content = PDF_BYTES + b"0" * settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    request = rf.post("/", {"file": SimpleUploadedFile("big.pdf", content)})

    received = request.FILES["file"]
    assert isinstance(received, TemporaryUploadedFile)
    spooled = Path(received.temporary_file_path())
    assert spooled.parent == temp_dir(settings)
    assert spooled.is_relative_to(storages["default"].location)
    assert spooled.read_bytes() == content
    # Created on first use, readable by the portal's own account only.
    assert stat.S_IMODE(temp_dir(settings).stat().st_mode) & 0o077 == 0
    received.close()


def test_an_attachment_received_on_disk_is_stored_and_leaves_nothing_behind(
    client, draft, preparer, settings
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    content = PDF_BYTES + b"0" * 4096
    client.force_login(preparer)
    client.post(
        reverse("notifications:attachment_upload", args=[draft.pk]),
        {"file": upload("architecture.pdf", content), "tlp": "red", "description": "Diagram"},
    )
    with Attachment.objects.get().file.open("rb") as stored:
        assert stored.read() == content
    # The request went through the private temp dir, and took its file with it.
    assert temp_dir(settings).is_dir()
    assert list(temp_dir(settings).iterdir()) == []


def make_file(directory: Path, name: str, *, age_seconds: float) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(b"partial upload")
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return path


@pytest.fixture
def left_behind(settings):
    directory = temp_dir(settings)
    old = STALE_AFTER.total_seconds()
    return {
        "stale": make_file(directory, "tmpa1b2.upload.pdf", age_seconds=old + 60),
        "very_stale": make_file(directory, "tmpc3d4.upload.docx", age_seconds=old * 30),
        "fresh": make_file(directory, "tmpe5f6.upload.pdf", age_seconds=old - 60),
    }


def test_the_sweep_removes_stale_temporary_files_and_keeps_fresh_ones(left_behind):
    assert remove_stale_upload_files() == 2
    assert not left_behind["stale"].exists()
    assert not left_behind["very_stale"].exists()
    assert left_behind["fresh"].exists()


def test_the_sweep_touches_nothing_outside_the_temp_dir(settings, left_behind):
    stored = make_file(
        Path(storages["default"].location) / "attachments", "old.pdf", age_seconds=10**7
    )
    inner = make_file(temp_dir(settings) / "subfolder", "old.pdf", age_seconds=10**7)
    remove_stale_upload_files()
    assert stored.exists()
    assert inner.exists()


def test_the_sweep_does_nothing_before_the_first_large_upload(settings):
    assert not temp_dir(settings).exists()
    assert remove_stale_upload_files() == 0


def test_the_periodic_task_sweeps(left_behind):
    assert sweep_upload_temp.apply().result == 2
    assert left_behind["fresh"].exists()


def test_the_command_sweeps_for_deployments_without_beat(left_behind, capsys):
    call_command("sweep_upload_temp")
    assert "Removed 2 abandoned upload files" in capsys.readouterr().out
    assert not left_behind["stale"].exists()
    assert left_behind["fresh"].exists()
