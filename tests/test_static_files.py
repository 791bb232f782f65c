"""Static files in production: collected once, whatever DEBUG said, or the portal will not start.

Issue 9, item 21: collectstatic run with DEBUG on wrote no manifest, and production then
answered every page with a 500.
"""

import json
import re

import pytest

from sscportal.checks import static_manifest_problem
from tests.deployment import collect_static, run, serve

FIX = "python manage.py collectstatic --noinput"


@pytest.fixture(scope="module")
def collected_static_root(tmp_path_factory):
    """Static files collected once, as the operator in issue 9 did it: with DEBUG on."""
    return collect_static(tmp_path_factory.mktemp("static"), DJANGO_DEBUG="true")


@pytest.fixture
def database(tmp_path):
    # The pages fetched here read no table; an empty SQLite file keeps them off the real one.
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}


def test_static_files_collected_with_debug_on_are_served_in_production(
    collected_static_root, database
):
    assert (collected_static_root / "staticfiles.json").is_file()
    page = serve("/accounts/login/", DJANGO_STATIC_ROOT=str(collected_static_root), **database)
    assert "/accounts/login/ 200 OK" in page.stdout, page.stderr
    stylesheet = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', page.stdout)
    assert stylesheet, page.stdout

    css = serve(stylesheet[1], DJANGO_STATIC_ROOT=str(collected_static_root), **database)
    assert f"{stylesheet[1]} 200 OK" in css.stdout, css.stderr


def test_production_without_collected_static_files_refuses_to_start(tmp_path, database):
    started = serve("/accounts/login/", DJANGO_STATIC_ROOT=str(tmp_path / "static"), **database)
    assert started.returncode != 0
    assert "200 OK" not in started.stdout
    assert "ImproperlyConfigured" in started.stderr
    assert "The static files have not been collected" in started.stderr
    assert FIX in started.stderr


def test_production_with_out_of_date_static_files_refuses_to_start(
    collected_static_root, tmp_path, database
):
    manifest = json.loads((collected_static_root / "staticfiles.json").read_text())
    del manifest["paths"]["css/portal.css"]
    stale = tmp_path / "static"
    stale.mkdir()
    (stale / "staticfiles.json").write_text(json.dumps(manifest))

    started = serve("/accounts/login/", DJANGO_STATIC_ROOT=str(stale), **database)
    assert started.returncode != 0
    assert "out of date" in started.stderr
    assert "css/portal.css" in started.stderr
    assert FIX in started.stderr


def test_production_settings_pass_the_deployment_check(collected_static_root):
    # In the README's order: collectstatic, then check --deploy.
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_STATIC_ROOT=str(collected_static_root),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deployment_check_names_the_fix(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
    )
    assert result.returncode != 0
    assert "sscportal.E001" in result.stderr
    assert FIX in result.stderr


def test_collectstatic_runs_before_anything_is_collected(tmp_path):
    # The check must never stop the one command that fixes what it reports.
    result = run(
        ["manage.py", "collectstatic", "--noinput", "--dry-run"],
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
    )
    assert result.returncode == 0, result.stderr
    assert "static files copied" in result.stdout


def test_development_serves_static_files_from_the_source_folders(tmp_path, database):
    page = serve(
        "/accounts/login/",
        "/static/css/portal.css",
        DJANGO_DEBUG="true",
        DJANGO_STATIC_ROOT=str(tmp_path / "never-collected"),
        **database,
    )
    assert "/accounts/login/ 200 OK" in page.stdout, page.stderr
    assert 'href="/static/css/portal.css"' in page.stdout
    assert "/static/css/portal.css 200 OK" in page.stdout


def test_gunicorn_without_collected_static_files_exits_naming_the_fix(tmp_path):
    started = run(
        ["-m", "gunicorn", "sscportal.wsgi:application", "--bind", "127.0.0.1:0"],
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
    )
    assert started.returncode != 0
    assert FIX in started.stderr


def test_an_unreadable_manifest_is_refused(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "staticfiles.json").write_text('{"paths": {"css/portal.css": ')
    problem = static_manifest_problem()
    assert "cannot be read" in problem
    assert FIX in problem
