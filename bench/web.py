"""Page benchmark: every page against a bare view, served as in production.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/web.py

What one run does (see docs/PERFORMANCE.md for the method and the figures):

1. Creates the throwaway database `sscportal_bench_web` on the PostgreSQL server named in
   DATABASE_URL (that database itself is only used to create and drop it), migrates it, and
   builds a history of `--size` notifications with bench/data.py (fixed seed, bulk_create).
2. Collects the static files into a temporary folder and starts gunicorn on 127.0.0.1 as in
   production: DEBUG off, sync workers (2 x CPUs), persistent database connections with health
   checks, the production settings plus one URL (bench/web_settings.py): a bare
   `login_required` page answering "ok" through the project's own middleware.
3. Signs in through the real pages (sign-in form with its CSRF token, then the two-factor page
   with a code computed from the bench accounts' known TOTP key) and keeps each session cookie;
   gives each account a read-only API token (made as the API tokens page makes them) for the
   API's lists, which send it as `Authorization: Bearer` (the session signs no one in there).
4. Checks every page answers 200 to its account, counts its SQL queries (one request through
   Django's test client against the same database, not under load) and its body size.
5. Drives load with wrk in interleaved rounds (bare, page A, bare, page B, ...), each bare run
   signed in as the next page's account, and prints per page: requests a second, the ratio to
   the bare run before it (median and range over the rounds), p50/p99 latency, queries, body
   size, and PASS/FAIL against the targets of issue 10.
6. Measures the CSV exports: streamed or not, time to first byte, total time, size, and the
   peak Python memory of one export (tracemalloc, in this process, through the test client).
7. Stops gunicorn and drops the database, also on failure, Ctrl-C or the time limit.

Other modes:
    --open-loop    open-loop load instead of wrk: `--rate` requests a second (24) on a fixed
                   schedule, a new connection each, a mix of pages, for `--seconds`; latency
                   counts from the scheduled send time (no coordinated omission); p50/p95/p99
                   and PASS/FAIL for p95 <= 50 ms.
    --compare      the wrk rounds at 1,000 and at 100,000 notifications, and each page's cost
                   per request at both sizes (long: about half an hour with the defaults).
    --profile KEY  after the rounds, one request of that page under cProfile (repeatable);
                   --profile-failures does it for every page that misses its target.

Traffic goes only to 127.0.0.1. Every loop is bounded in count and time; `--max-minutes`
bounds the whole run.
"""

import argparse
import cProfile
import http.client
import importlib.metadata
import json
import math
import os
import platform
import pstats
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit
from urllib.request import HTTPCookieProcessor, Request, build_opener

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import data  # noqa: E402

BENCH_DATABASE = "sscportal_bench_web"
SETTINGS = "bench.web_settings"
HOST = "127.0.0.1"
SIZES = (1_000, 10_000, 100_000)
LIST_TARGET = 0.25
OBJECT_TARGET = 0.40
BODY_LIMIT = 150 * 1024
P95_LIMIT_MS = 50.0
GROWTH_LIMIT = 1.5
EXPORT_MEMORY_LIMIT = 16 * 1024 * 1024
EXPORT_NAMES = (
    "assessments",
    "annual-reviews",
    "awaiting-ssc",
    "late-notifications",
    "organisations-at-risk",
    "decisions-by-month",
)


class BenchError(Exception):
    """Something the bench cannot go on without; reported, then everything is cleaned up."""


# --- Pages ------------------------------------------------------------------------------------


@dataclass
class Page:
    key: str
    name: str
    path: str
    account: str  # a key of data.Built.accounts
    kind: str  # "list", "object" or "info" (measured, no ratio target)
    weight: int = 0  # share in the open-loop mix
    api: bool = False  # called with the account's API token, not its session

    @property
    def credential(self) -> str:
        """The key of `cookies` this page is requested with (its bare run uses the session)."""
        return api_credential(self.account) if self.api else self.account

    @property
    def target(self) -> float | None:
        return {"list": LIST_TARGET, "object": OBJECT_TARGET}.get(self.kind)


def api_credential(account: str) -> str:
    return f"{account} (API token)"


# The API's lists: (key, name, path under /api/v1, account). A path this version's API lacks
# (not in its OpenAPI schema) is left out with a note, so lists added later need only a line.
API_LISTS = [
    (
        "api-notifications",
        "API: notifications (User, large organisation)",
        "/notifications",
        "User",
    ),
    ("api-notifications-secas", "API: notifications (SECAS)", "/notifications", "SECAS"),
    ("api-queue", "API: SSC queue", "/queue", "SECAS"),
    ("api-assessments", "API: assessments", "/assessments", "SECAS"),
    ("api-systems", "API: User Systems (User, large organisation)", "/systems", "User"),
    ("api-decisions", "API: decisions register", "/decisions", "SECAS"),
]
API_PREFIX = "/api/v1"


def api_paths() -> set[str]:
    """The paths of this version's API (empty before the API existed)."""
    try:
        from api.v1 import api
    except ImportError:
        return set()
    return set(api.get_openapi_schema()["paths"])


def api_pages() -> list[Page]:
    present = api_paths()
    pages = []
    for key, name, path, account in API_LISTS:
        if API_PREFIX + path not in present:
            print(f"  (skipped {key}: {API_PREFIX}{path} is not in this version's API)")
            continue
        pages.append(Page(key, name, API_PREFIX + path, account, "list", 0, api=True))
    return pages


def organisation_filter(built: data.Built) -> str:
    """The queue's organisation filter for the large organisation: its id where the form
    chooses from a list, part of its name where the form takes typed text."""
    from django import forms

    try:
        from assessments.filters import QueueFilterForm
    except ImportError:  # a version from before the queue's filters used django-filter
        from assessments.forms import QueueFilterForm

    if isinstance(QueueFilterForm.base_fields["organisation"], forms.ModelChoiceField):
        return str(built.large_organisation)
    return "Large Energy"


def pages_for(built: data.Built) -> list[Page]:
    """The pages measured; those whose address this version of the portal lacks are left out."""
    from django.urls import Resolver404, resolve

    org, case, meeting = built.large_organisation, built.case, built.meeting
    pages = [
        Page(
            "layout",
            "empty page in the portal's layout (bench only)",
            "/bench/layout/",
            "SSC member",
            "info",
        ),
        Page(
            "layout-user",
            "empty page in the portal's layout, as the User (bench only)",
            "/bench/layout/",
            "User",
            "info",
        ),
        Page(
            "queue", "SSC queue /ssc/ (live cases, go-live first)", "/ssc/", "SSC member", "list", 4
        ),
        Page(
            "queue-oldest",
            "SSC queue, all cases, oldest first",
            "/ssc/?state=all&sort=oldest",
            "SSC member",
            "list",
            1,
        ),
        Page(
            "queue-newest-p10",
            "SSC queue, all cases, newest first, page 10",
            "/ssc/?state=all&sort=newest&page=10",
            "SSC member",
            "list",
            1,
        ),
        Page(
            "queue-org",
            "SSC queue, the large organisation, all cases",
            "/ssc/?" + urlencode({"state": "all", "organisation": organisation_filter(built)}),
            "SSC member",
            "list",
            1,
        ),
        Page(
            "queue-late",
            "SSC queue, late notifications, all cases",
            "/ssc/?state=all&late=on&sort=go_live",
            "SSC member",
            "list",
            1,
        ),
        Page(
            "queue-meeting",
            "SSC queue, one meeting's cases",
            f"/ssc/?state=all&meeting={meeting}",
            "SSC member",
            "list",
            1,
        ),
        Page("secas", "SECAS dashboard /secas/", "/secas/", "SECAS", "list", 2),
        Page(
            "org-home",
            "organisation home (large organisation)",
            f"/organisations/{org}/",
            "User",
            "list",
            3,
        ),
        Page("meetings", "meetings list", "/ssc/meetings/", "SSC member", "list", 1),
        Page("audit", "audit trail", "/secas/audit/", "SECAS", "list", 1),
        Page(
            "comms",
            "communications log (large organisation)",
            f"/secas/organisations/{org}/communications/",
            "SECAS",
            "list",
            1,
        ),
        Page(
            "case",
            "case page (large organisation)",
            f"/ssc/cases/{case}/",
            "SSC member",
            "object",
            4,
        ),
        Page(
            "notification",
            "notification page (User)",
            f"/notifications/{case}/",
            "User",
            "object",
            3,
        ),
        Page(
            "assessment",
            "assessment page",
            f"/secas/assessments/{built.assessment}/",
            "SECAS",
            "object",
            2,
        ),
        Page(
            "next-meeting",
            "meeting page (next meeting, cases to decide)",
            f"/ssc/meetings/{built.next_meeting}/",
            "SSC member",
            "object",
            1,
        ),
        Page(
            "meeting",
            "meeting page (latest past meeting)",
            f"/ssc/meetings/{meeting}/",
            "SSC member",
            "object",
            2,
        ),
        Page(
            "secas-awaiting",
            "SECAS: cases awaiting the SSC (full list)",
            "/secas/awaiting/",
            "SECAS",
            "list",
            1,
        ),
        Page(
            "secas-assessments",
            "SECAS: outstanding assessments (full list)",
            "/secas/assessments/",
            "SECAS",
            "list",
            1,
        ),
        Page(
            "secas-reviews",
            "SECAS: annual reviews ahead (full list)",
            "/secas/annual-reviews/",
            "SECAS",
            "list",
            0,
        ),
        Page(
            "secas-late",
            "SECAS: late notifications (full list)",
            "/secas/late-notifications/",
            "SECAS",
            "list",
            0,
        ),
        Page(
            "secas-at-risk",
            "SECAS: organisations at risk (full list)",
            "/secas/organisations-at-risk/",
            "SECAS",
            "list",
            0,
        ),
        Page(
            "org-names",
            "organisation names for type-to-search (JSON)",
            "/ssc/organisations.json?q=Energy",
            "SSC member",
            "list",
            1,
        ),
        Page(
            "csv-assessments",
            "assessments.csv export",
            "/secas/export/assessments.csv",
            "SECAS",
            "info",
        ),
    ]
    present = []
    for page in pages:
        try:
            resolve(urlsplit(page.path).path)
        except Resolver404:
            continue
        present.append(page)
    return present + api_pages()


BARE = "/bench/bare/"
BARE_IN_PROCESS: dict = {}  # account -> InProcess of the bare page


# --- The machine --------------------------------------------------------------------------------


def machine_description() -> list[str]:
    def first_line(path: str, prefix: str) -> str:
        with suppress(OSError), open(path) as handle:
            for line in handle:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
        return "?"

    memory_kb = first_line("/proc/meminfo", "MemTotal").split()[0]
    versions = {
        name: importlib.metadata.version(name)
        for name in ("Django", "gunicorn", "psycopg2-binary")
        if _installed(name)
    }
    wrk = shutil.which("wrk")
    wrk_version = "not installed"
    if wrk:
        result = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=10)  # noqa: S603
        wrk_version = (result.stdout or result.stderr).splitlines()[0].split(" [")[0]
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    system = "?"
    with suppress(OSError):
        release = dict(
            line.split("=", 1)
            for line in Path("/etc/os-release").read_text().splitlines()
            if "=" in line
        )
        system = release.get("PRETTY_NAME", "?").strip('"')
    return [
        f"CPUs: {os.cpu_count()} (nproc {len(os.sched_getaffinity(0))}), "
        f"{first_line('/proc/cpuinfo', 'model name')}",
        f"memory: {int(memory_kb) / 1024 / 1024:.1f} GiB; load average {load}",
        f"system: {system}, Linux {platform.release()}",
        f"Python {platform.python_version()}, "
        + ", ".join(f"{name} {version}" for name, version in versions.items())
        + f", {wrk_version}",
    ]


def _installed(name: str) -> bool:
    try:
        importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise BenchError("wrk is not installed: apt-get install wrk (Debian's package)")
    print("Installing Debian's wrk ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    apt_get = shutil.which("apt-get")
    install = [apt_get, "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, env=env, capture_output=True, timeout=300).returncode:  # noqa: S603
        update = [apt_get, "update", "-qq"]
        subprocess.run(update, env=env, capture_output=True, timeout=300)  # noqa: S603
        subprocess.run(install, env=env, capture_output=True, timeout=300, check=True)  # noqa: S603
    wrk = shutil.which("wrk")
    if not wrk:
        raise BenchError("apt-get could not install wrk")
    return wrk


# --- The throwaway database ---------------------------------------------------------------------


def server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if urlsplit(url).scheme not in {"postgres", "postgresql", "pgsql"}:
        sys.exit(
            "bench/web.py needs DATABASE_URL pointing to a PostgreSQL server, e.g.\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres "
            ".venv/bin/python bench/web.py"
        )
    if urlsplit(url).path.lstrip("/") == BENCH_DATABASE:
        sys.exit(f"Name another database in DATABASE_URL: {BENCH_DATABASE} is the bench's own.")
    return url


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def admin_sql(url: str, sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(url)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def drop_database(url: str) -> None:
    from django.db import connections

    connections.close_all()
    admin_sql(url, f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')


def create_database(url: str) -> None:
    drop_database(url)
    admin_sql(url, f'CREATE DATABASE "{BENCH_DATABASE}"')


def vacuum_analyze() -> None:
    """Fresh planner statistics, as a production database that autovacuum has seen has."""
    from django.db import connection

    connection.close()
    connection.ensure_connection()
    raw = connection.connection
    raw.autocommit = True
    with raw.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()


def production_env(
    bench_url: str, static_root: Path, media_root: Path, redis_url: str
) -> dict[str, str]:
    """The environment gunicorn and this process share: production settings on loopback."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "DATABASE_", "SESSION_", "REDIS", "CACHE"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        DJANGO_SECRET_KEY=os.urandom(32).hex(),
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_HTTPS="false",  # loopback: no TLS proxy in front, so no secure-only cookies
        DJANGO_LOG_LEVEL="WARNING",
        DJANGO_STATIC_ROOT=str(static_root),
        PRIVATE_MEDIA_ROOT=str(media_root),
        DATABASE_URL=bench_url,
        DATABASE_CONN_MAX_AGE="60",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        # The per-token limit is still counted (in Redis, as in production) but never reached.
        API_RATE_LIMIT_PER_MINUTE="1000000000",
    )
    if redis_url:
        env["REDIS_CACHE_URL"] = redis_url  # the cache, and cached_db sessions, as in production
    return env


@contextmanager
def redis_for_bench(choice: str, folder: Path):
    """The Redis URL the server uses: its own throwaway redis-server ("private"), one given
    (its database is flushed before and after), or none ("")."""
    if choice != "private":
        flush_redis(choice)
        try:
            yield choice
        finally:
            with suppress(Exception):
                flush_redis(choice)
        return
    server = shutil.which("redis-server")
    if not server:
        raise BenchError(
            "redis-server is not installed: apt-get install redis-server, or --redis ''"
        )
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - Debian's redis-server with our own arguments
        [
            server,
            "--bind",
            HOST,
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
            "--logfile",
            str(folder / "redis.log"),
        ],
        start_new_session=True,
    )
    try:
        url = f"redis://{HOST}:{port}/0"
        deadline = time.monotonic() + 20
        while True:
            try:
                flush_redis(url)
                break
            except Exception:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise BenchError("the bench's redis-server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def flush_redis(url: str) -> None:
    """Empty the bench's own Redis database (never another: the URL names its number)."""
    if not url:
        return
    import redis

    client = redis.Redis.from_url(url, socket_timeout=10)
    try:
        client.flushdb()
    finally:
        client.close()


# --- gunicorn -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        # Only the process group this bench started: gunicorn's master and its workers.
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)


def start_gunicorn(env: dict, workers: int, folder: Path) -> Server:
    port = free_port()
    log = folder / "gunicorn.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "sscportal.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--timeout",
        "120",
        "--chdir",
        str(ROOT),
        "--error-logfile",
        str(log),
        "--log-level",
        "warning",
    ]
    with open(log, "w") as handle:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            env=env,
            cwd=ROOT,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, port, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        with suppress(OSError):
            if fetch(port, "/accounts/login/", "", timeout=5).status == 200:
                return server
        time.sleep(0.5)
    server.stop()
    raise BenchError(f"gunicorn did not answer within 60 s:\n{log.read_text()[-3000:]}")


# --- HTTP ---------------------------------------------------------------------------------------


@dataclass
class Fetched:
    status: int
    headers: dict
    body: bytes
    first_byte: float
    total: float


def fetch(port: int, path: str, cookie: str, timeout: float = 60) -> Fetched:
    """One GET on a new connection; times to the first byte of the body and to its end."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        start = time.perf_counter()
        connection.request("GET", path, headers=auth_headers(cookie))
        response = connection.getresponse()
        first = response.read(1)
        first_byte = time.perf_counter() - start
        body = first + response.read()
        return Fetched(
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            body,
            first_byte,
            time.perf_counter() - start,
        )
    finally:
        connection.close()


def auth_headers(credential: str) -> dict[str, str]:
    """A session cookie ("sessionid=...") or an API token ("Bearer sscp_...") as headers."""
    if not credential:
        return {}
    if credential.startswith("Bearer "):
        return {"Authorization": credential}
    return {"Cookie": credential}


def api_token_for(email: str) -> str:
    """A read-only API token of the account's, made as api.tokens makes them (hashed, prefixed,
    expiring), straight in the database: the bench has no browser session to create it with."""
    import secrets
    from datetime import timedelta

    from django.utils import timezone

    from api.models import TOKEN_PREFIX, ApiToken, hash_token
    from users.models import User

    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=User.objects.get(email=email),
        name="Bench",
        scope=ApiToken.Scope.READ,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        secret_hash=hash_token(raw),
        expires_at=timezone.now() + timedelta(days=1),
    )
    return f"Bearer {raw}"


HIDDEN = re.compile(r'<input[^>]*name="(?P<name>csrfmiddlewaretoken|next)"[^>]*>')


def hidden_fields(html: str) -> dict[str, str]:
    fields = {}
    for match in HIDDEN.finditer(html):
        value = re.search(r'value="([^"]*)"', match.group(0))
        fields[match.group("name")] = value.group(1).replace("&amp;", "&") if value else ""
    return fields


def sign_in(port: int, email: str, totp_key: str) -> str:
    """Sign in through the real pages (and the two-factor page if asked); the session cookie."""
    from django.conf import settings
    from django_otp.oath import TOTP

    jar = CookieJar()
    opener = build_opener(HTTPCookieProcessor(jar))
    base = f"http://{HOST}:{port}"
    with opener.open(f"{base}/accounts/login/", timeout=30) as response:
        form = hidden_fields(response.read().decode())
    post = {**form, "username": email, "password": data.BENCH_PASSWORD}
    request = Request(f"{base}/accounts/login/", data=urlencode(post).encode())  # noqa: S310
    with opener.open(request, timeout=60) as response:
        landed, html = response.geturl(), response.read().decode()
    if "/accounts/two-factor/verify/" in landed:
        code = TOTP(bytes.fromhex(totp_key)).token()
        post = {**hidden_fields(html), "token": f"{code:06d}"}
        verify = Request(landed, data=urlencode(post).encode())  # noqa: S310 - loopback http
        with opener.open(verify, timeout=60) as response:
            landed = response.geturl()
    if "/accounts/" in urlsplit(landed).path:
        raise BenchError(f"signing in as {email} ended on {landed}")
    cookies = {cookie.name: cookie.value for cookie in jar}
    name = settings.SESSION_COOKIE_NAME
    if name not in cookies:
        raise BenchError(f"no session cookie after signing in as {email}")
    return f"{name}={cookies[name]}"


# --- wrk ----------------------------------------------------------------------------------------


@dataclass
class Run:
    rps: float
    p50: float  # ms
    p99: float  # ms
    requests: int
    bytes_read: float
    errors: int  # socket errors and non-2xx/3xx answers


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
SIZES_BYTES = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}


def parse_wrk(output: str) -> Run:
    def latency(percent: str) -> float:
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
        return float(match.group(1)) * UNITS[match.group(2)] if match else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB) read", output)
    if not rps or not total:
        raise BenchError(f"could not read wrk's output:\n{output}")
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Run(
        rps=float(rps.group(1)),
        p50=latency("50"),
        p99=latency("99"),
        requests=int(total.group(1)),
        bytes_read=float(total.group(2)) * SIZES_BYTES[total.group(3)],
        errors=errors + (int(non_2xx.group(1)) if non_2xx else 0),
    )


def run_wrk(wrk: str, options, port: int, path: str, cookie: str, duration: int) -> Run:
    command = [
        wrk,
        "--threads",
        str(options.threads),
        "--connections",
        str(options.connections),
        "--duration",
        f"{duration}s",
        "--timeout",
        "30s",
        "--latency",
        *[
            arg
            for name, value in auth_headers(cookie).items()
            for arg in ("--header", f"{name}: {value}")
        ],
        f"http://{HOST}:{port}{path}",
    ]
    result = subprocess.run(  # noqa: S603 - wrk with our own arguments
        command, capture_output=True, text=True, timeout=duration + 60, check=False
    )
    if result.returncode != 0:
        raise BenchError(f"wrk failed ({result.returncode}): {result.stderr}")
    return parse_wrk(result.stdout)


# --- Measuring one request in this process ------------------------------------------------------


def test_client(cookie: str):
    from django.test import Client

    if cookie.startswith("Bearer "):
        return Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=cookie)
    client = Client(HTTP_HOST=HOST)
    name, value = cookie.split("=", 1)
    client.cookies[name] = value
    return client


@dataclass
class InProcess:
    """One warm request through the test client in this process, on an idle server."""

    status: int
    queries: int
    total_ms: float  # median over the timed requests
    sql_ms: float  # of which waiting for PostgreSQL (median)


@contextmanager
def timed_queries():
    """Every query this process sends, with its parameters and its time to the microsecond
    (Django's own log rounds to whole milliseconds)."""
    from django.db import connection

    log: list[tuple[float, str, object]] = []

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            log.append((time.perf_counter() - start, sql, params))

    with connection.execute_wrapper(timed):
        yield log


def in_process(path: str, cookie: str, repeat: int = 5) -> InProcess:
    """Queries and time of a warm request through the project's middleware, not under load."""
    client = test_client(cookie)
    _consume(client.get(path))  # warm: templates compiled, content types cached
    totals, sql, queries, status = [], [], 0, 0
    for _ in range(repeat):
        with timed_queries() as log:
            start = time.perf_counter()
            response = client.get(path)
            _consume(response)
            totals.append((time.perf_counter() - start) * 1000)
        sql.append(sum(seconds for seconds, _, _ in log) * 1000)
        queries, status = len(log), response.status_code
    return InProcess(status, queries, statistics.median(totals), statistics.median(sql))


def _consume(response) -> int:
    if getattr(response, "streaming", False):
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def profile_page(page: Page, cookie: str, lines: int) -> None:
    client = test_client(cookie)
    _consume(client.get(page.path))  # warm: templates compiled, content types cached
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    _consume(client.get(page.path))
    profiler.disable()
    seconds = time.perf_counter() - start
    print(
        f"\nprofile: {page.name} ({page.path}), one warm request, {seconds * 1000:.0f} ms "
        f"under cProfile; the portal's own functions with the most cumulative time:"
    )
    stats = pstats.Stats(profiler, stream=sys.stdout)
    own_code = rf"^{re.escape(str(ROOT))}/(?!\.venv/)"
    stats.sort_stats("cumulative").print_stats(own_code, lines)
    print(f"the {lines} functions (any code) with the most time of their own:")
    stats.strip_dirs().sort_stats("tottime").print_stats(lines)
    slowest_queries(client, page.path)


def slowest_queries(client, path: str, count: int = 5) -> None:
    """The queries of one more warm request (not profiled), slowest first, and the plan of the
    slowest."""
    from django.db import connection

    with timed_queries() as log:
        _consume(client.get(path))
    total = sum(seconds for seconds, _, _ in log) * 1000
    print(f"its {len(log)} queries took {total:.1f} ms; the {count} slowest:")
    slowest = sorted(log, key=lambda entry: -entry[0])
    for seconds, sql, _ in slowest[:count]:
        text = " ".join(sql.split())
        print(f"  {seconds * 1000:6.1f} ms  {text[:400]}{' …' if len(text) > 400 else ''}")
    if slowest and slowest[0][0] >= 0.005 and slowest[0][1].lstrip().startswith("SELECT"):
        _, sql, params = slowest[0]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
        print("  the slowest one's plan (EXPLAIN ANALYZE):")
        print("\n".join(f"    {line}" for line in plan[:25]))


# --- The closed-loop rounds ---------------------------------------------------------------------


@dataclass
class PageResult:
    page: Page
    runs: list[Run] = field(default_factory=list)
    bare: list[Run] = field(default_factory=list)  # the bare run just before each page run
    queries: int = 0
    body: int = 0
    single: float = 0.0  # seconds for one request on an idle server
    in_process: InProcess | None = None

    def duration(self, shortest: int) -> int:
        """Long enough for about 40 answers from 4 workers, even on a slow page (at most 60 s)."""
        return min(60, max(shortest, math.ceil(10 * self.single)))

    @property
    def ratios(self) -> list[float]:
        return [run.rps / bare.rps for run, bare in zip(self.runs, self.bare, strict=True)]

    @property
    def stalled(self) -> bool:
        return any(run.requests == 0 for run in self.runs)

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(run, attribute) for run in self.runs)

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def cost(self) -> float:
        """Per-request time relative to the bare page (bare = 1), median over the rounds."""
        return statistics.median(
            bare.rps / run.rps if run.rps else math.inf
            for run, bare in zip(self.runs, self.bare, strict=True)
        )

    def verdicts(self) -> list[str]:
        failures = []
        if self.stalled:
            failures.append("no request completed within a run")
        if self.page.target is not None and self.ratio < self.page.target:
            failures.append(f"ratio {fmt_ratio(self.ratio)} < {self.page.target}")
        if self.page.kind != "info" and self.body > BODY_LIMIT:
            failures.append(f"body {self.body / 1024:.0f} KB > {BODY_LIMIT // 1024} KB")
        if any(run.errors for run in self.runs):
            failures.append(f"{sum(run.errors for run in self.runs)} errors")
        return failures


def preflight(pages: list[Page], port: int, cookies: dict) -> dict[str, PageResult]:
    """Every page answers 200 to its account; its body size and its queries per request."""
    results = {}
    for page in [*pages]:
        fetched = fetch(port, page.path, cookies[page.credential])
        if fetched.status != 200:
            raise BenchError(f"{page.path} answered {fetched.status} to {page.credential}")
        measured = in_process(page.path, cookies[page.credential])
        if measured.status != 200:
            raise BenchError(f"{page.path} answered {measured.status} through the test client")
        results[page.key] = PageResult(
            page,
            queries=measured.queries,
            body=len(fetched.body),
            single=fetched.total,
            in_process=measured,
        )
    for account, cookie in cookies.items():
        if cookie.startswith("Bearer "):
            continue  # the bare page reads the session; an API page's bare run uses its account's
        if fetch(port, BARE, cookie).body != b"ok":
            raise BenchError(f"the bare page did not answer 'ok' to {account}")
        BARE_IN_PROCESS[account] = in_process(BARE, cookie)
    return results


def drain(port: int, cookie: str, workers: int) -> None:
    """Wait for the requests wrk left queued when it stopped: answers to twice as many bare
    requests as workers, sent at once, come after everything accepted before them."""
    with ThreadPoolExecutor(max_workers=2 * workers) as pool:
        for answer in [pool.submit(fetch, port, BARE, cookie, 120) for _ in range(2 * workers)]:
            answer.result()


def rounds(wrk: str, options, port: int, cookies: dict, results: dict[str, PageResult]) -> None:
    total = options.rounds * len(results) * 2
    done = 0
    for number in range(1, options.rounds + 1):
        for result in results.values():
            cookie = cookies[result.page.account]
            drain(port, cookie, options.workers)
            bare = run_wrk(wrk, options, port, BARE, cookie, options.duration)
            if not bare.rps:
                raise BenchError(f"the bare page answered nothing in {options.duration} s")
            drain(port, cookie, options.workers)
            run = run_wrk(
                wrk,
                options,
                port,
                result.page.path,
                cookies[result.page.credential],
                result.duration(options.duration),
            )
            done += 2
            # A page that answers a redirect or an error page reads far fewer bytes than its body.
            if run.requests and run.bytes_read / run.requests < 0.5 * result.body:
                run.errors += run.requests
            result.bare.append(bare)
            result.runs.append(run)
            print(
                f"  round {number}/{options.rounds} [{done}/{total}] {result.page.key}: "
                f"{run.rps:.0f} req/s, bare {bare.rps:.0f} req/s, "
                f"ratio {fmt_ratio(run.rps / bare.rps)}",
                flush=True,
            )


def fmt_ms(measured: "InProcess | None") -> str:
    if measured is None:
        return ""
    return f"{measured.total_ms:.1f} / {measured.sql_ms:.1f} ms"


def fmt_ratio(ratio: float) -> str:
    return f"{ratio:.2f}" if ratio >= 0.1 else f"{ratio:.3f}"


def fmt_kb(size: float) -> str:
    return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size:.0f} B"


def report(results: dict[str, PageResult]) -> int:
    """The table of pages and their verdicts; returns the number of failures."""
    bare_by_account: dict[str, list[Run]] = {}
    for result in results.values():
        bare_by_account.setdefault(result.page.account, []).extend(result.bare)
    print(
        "\n| page | req/s | ratio to bare: median (min–max) | p50 / p99 | queries | one request: "
        "all / SQL | body | target | verdict |"
    )
    print("|---|---:|---|---|---:|---:|---:|---|---|")
    for account, runs in bare_by_account.items():
        rps = [run.rps for run in runs]
        print(
            f"| bare view (as {account}) | {statistics.median(rps):.0f} | 1 "
            f"({min(rps):.0f}–{max(rps):.0f} req/s) | "
            f"{statistics.median(r.p50 for r in runs):.1f} / "
            f"{statistics.median(r.p99 for r in runs):.1f} ms | "
            f"{BARE_IN_PROCESS[account].queries} | {fmt_ms(BARE_IN_PROCESS.get(account))} | "
            "2 B | | |"
        )
    failures = 0
    for result in results.values():
        page = result.page
        problems = result.verdicts()
        failures += bool(problems)
        if page.target is None:
            verdict = "FAIL: " + "; ".join(problems) if problems else "(no target)"
        else:
            verdict = "FAIL: " + "; ".join(problems) if problems else "PASS"
        target = f"≥ {page.target}×" if page.target is not None else "–"
        ratios = result.ratios
        latencies = (
            "–" if result.stalled else f"{result.median('p50'):.0f} / {result.median('p99'):.0f} ms"
        )
        print(
            f"| {page.name} | {result.median('rps'):.0f} | {fmt_ratio(result.ratio)} "
            f"({fmt_ratio(min(ratios))}–{fmt_ratio(max(ratios))}) | {latencies} | "
            f"{result.queries} | {fmt_ms(result.in_process)} | {fmt_kb(result.body)} | "
            f"{target} | {verdict} |"
        )
    return failures


# --- CSV exports --------------------------------------------------------------------------------


@dataclass
class ExportResult:
    name: str
    path: str
    streamed: bool
    size: int
    first_byte: float
    total: float
    peak_memory: int
    queries: int

    @property
    def verdict(self) -> str:
        problems = []
        if not self.streamed:
            problems.append("not streamed")
        if self.peak_memory > EXPORT_MEMORY_LIMIT:
            problems.append(f"peak {self.peak_memory / 1024**2:.1f} MB > 16 MB")
        return "FAIL: " + "; ".join(problems) if problems else "PASS"


def measure_exports(port: int, cookie: str) -> list[ExportResult]:
    """Each export once through gunicorn (times, size, streamed?) and once here under
    tracemalloc (the peak Python memory while the whole body is produced)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    paths = [(name, f"/secas/export/{name}.csv") for name in EXPORT_NAMES]
    paths.append(("audit trail", "/secas/audit/?format=csv"))
    results = []
    for name, path in paths:
        fetch(port, path, cookie)  # warm
        fetched = fetch(port, path, cookie)
        if fetched.status != 200:
            raise BenchError(f"{path} answered {fetched.status}")
        client = test_client(cookie)
        _consume(client.get(path))
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            baseline = tracemalloc.get_traced_memory()[0]
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
                _consume(response)
            peak = tracemalloc.get_traced_memory()[1] - baseline
        finally:
            tracemalloc.stop()
        results.append(
            ExportResult(
                name=name,
                path=path,
                streamed=bool(getattr(response, "streaming", False)),
                size=len(fetched.body),
                first_byte=fetched.first_byte,
                total=fetched.total,
                peak_memory=peak,
                queries=len(captured),
            )
        )
    return results


def report_exports(results: list[ExportResult]) -> int:
    print(
        "\n| CSV export | size | streamed | first byte / total | peak Python memory | queries "
        "| verdict |"
    )
    print("|---|---:|---|---|---:|---:|---|")
    for r in results:
        print(
            f"| {r.name} | {fmt_kb(r.size)} | {'yes' if r.streamed else 'no'} | "
            f"{r.first_byte * 1000:.0f} / {r.total * 1000:.0f} ms | "
            f"{r.peak_memory / 1024**2:.1f} MB | {r.queries} | {r.verdict} |"
        )
    return sum(r.verdict != "PASS" for r in results)


# --- Open loop ----------------------------------------------------------------------------------


def open_loop(port: int, pages: list[Page], cookies: dict, rate: float, seconds: float) -> int:
    """`rate` requests a second on a fixed schedule, a new connection each, for `seconds`."""
    mix = [page for page in pages if page.weight]
    rng = random.Random(data.SEED)
    total = int(rate * seconds)
    chosen = rng.choices(mix, weights=[page.weight for page in mix], k=total)
    results: list[tuple[Page, int, float] | None] = [None] * total
    late_sends = 0

    def one(index: int, scheduled: float, page: Page) -> None:
        try:
            fetched = fetch(port, page.path, cookies[page.credential], timeout=10)
            status = fetched.status
        except OSError:
            status = 0
        # From the scheduled send time, so a stalled server cannot hide its queue.
        results[index] = (page, status, (time.perf_counter() - scheduled) * 1000)

    weights = ", ".join(f"{page.key} {page.weight}" for page in mix)
    print(
        f"\nopen loop: {rate:g} requests a second for {seconds:g} s ({total} requests), "
        f"a new connection each; mix by weight: {weights}",
        flush=True,
    )
    start = time.perf_counter() + 0.5
    with ThreadPoolExecutor(max_workers=64) as pool:
        for index, page in enumerate(chosen):
            scheduled = start + index / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            elif delay < -0.005:
                late_sends += 1
            pool.submit(one, index, scheduled, page)
    done = [r for r in results if r is not None]
    failed = [r for r in done if r[1] != 200]
    latencies = sorted(r[2] for r in done)

    def pct(values: list[float], p: float) -> float:
        return values[max(0, math.ceil(p / 100 * len(values)) - 1)]  # nearest rank

    print("\n| page | requests | p50 | p95 | p99 |")
    print("|---|---:|---:|---:|---:|")
    for page in mix:
        own = sorted(r[2] for r in done if r[0] is page)
        if own:
            print(
                f"| {page.name} | {len(own)} | {pct(own, 50):.0f} ms | {pct(own, 95):.0f} ms "
                f"| {pct(own, 99):.0f} ms |"
            )
    p95 = pct(latencies, 95)
    print(
        f"| **all** | {len(done)} | {pct(latencies, 50):.0f} ms | {p95:.0f} ms | "
        f"{pct(latencies, 99):.0f} ms |"
    )
    print(
        f"\n{len(failed)} answers other than 200; {late_sends} sends more than 5 ms behind "
        "schedule (the driver's own lag)"
    )
    ok = p95 <= P95_LIMIT_MS and not failed
    print(
        f"p95 {p95:.0f} ms at {rate:g} requests a second (target ≤ {P95_LIMIT_MS:.0f} ms): "
        f"{'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


# --- One size, end to end -----------------------------------------------------------------------


@contextmanager
def served(size: int, options, url: str):
    """Database built, static files collected, gunicorn running; all undone on the way out."""
    from django.core.management import call_command

    folder = Path(tempfile.mkdtemp(prefix="sscportal-bench-web-"))
    server = None
    try:
        start = time.perf_counter()
        create_database(url)
        call_command("migrate", verbosity=0)
        built = data.build(size)
        vacuum_analyze()
        print(
            f"\nbuilt {size:,} notifications in {time.perf_counter() - start:.0f} s: "
            + ", ".join(f"{n:,} {what}" for what, n in built.counts.items()),
            flush=True,
        )
        env = options.env
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=600,
        )
        server = start_gunicorn(env, options.workers, folder)
        from django.conf import settings

        print(
            f"gunicorn: {options.workers} sync workers on {HOST}:{server.port}; sessions: "
            f"{settings.SESSION_ENGINE.rsplit('.', 1)[-1]}, cache: "
            f"{settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}",
            flush=True,
        )
        cookies = {}
        for account, email in built.accounts.items():
            cookies[account] = sign_in(server.port, email, data.TOTP_KEY)
            if api_paths():
                cookies[api_credential(account)] = api_token_for(email)
        yield built, server, cookies
    finally:
        if server is not None:
            server.stop()
            problems = [
                line
                for line in server.log.read_text().splitlines()
                if "Traceback" in line or "ERROR" in line
            ]
            if problems:
                print(f"gunicorn logged {len(problems)} errors; the last lines:")
                print("\n".join(server.log.read_text().splitlines()[-30:]))
        drop_database(url)
        shutil.rmtree(folder, ignore_errors=True)


def selected(pages: list[Page], keys: list[str] | None) -> list[Page]:
    if not keys:
        return pages
    unknown = set(keys) - {page.key for page in pages}
    if unknown:
        raise BenchError(f"no such page: {', '.join(sorted(unknown))}")
    return [page for page in pages if page.key in keys]


def closed_loop(size: int, options, url: str, wrk: str) -> tuple[dict, list, int]:
    with served(size, options, url) as (built, server, cookies):
        pages = selected(pages_for(built), options.pages)
        results = preflight(pages, server.port, cookies)
        print(
            f"{len(pages)} pages, {options.rounds} rounds of {options.duration} s per page (a slow "
            "page 10 times its single-request time, up to 60 s) and per bare run "
            f"(wrk: {options.threads} threads, {options.connections} connections)",
            flush=True,
        )
        rounds(wrk, options, server.port, cookies, results)
        exports = [] if options.no_exports else measure_exports(server.port, cookies["SECAS"])
        failures = report(results)
        if exports:
            failures += report_exports(exports)
        profiled = set(options.profile or [])
        if options.profile_failures:
            profiled |= {key for key, result in results.items() if result.verdicts()}
        for key in sorted(profiled):
            page = next((p for p in pages_for(built) if p.key == key), None)
            if page is None:
                raise BenchError(f"no such page to profile: {key}")
            profile_page(page, cookies[page.credential], options.profile_lines)
    return results, exports, failures


def compare(sizes, small: dict, large: dict, small_exports: list, large_exports: list) -> int:
    print(
        f"\n| page | per request at {sizes[0]:,} | at {sizes[1]:,} | growth (raw) | cost vs bare "
        f"at {sizes[0]:,} | at {sizes[1]:,} | growth | one request, idle | queries | body "
        "| verdict |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|---|---|---|")
    failures = 0
    for key, a in small.items():
        b = large.get(key)
        if b is None:
            continue
        raw = a.median("rps") / b.median("rps")
        growth = b.cost / a.cost
        ok = growth <= GROWTH_LIMIT or a.page.kind == "info"
        failures += not ok
        print(
            f"| {a.page.name} | {1000 / a.median('rps'):.1f} ms | {1000 / b.median('rps'):.1f} ms "
            f"| {raw:.2f}× | {a.cost:.1f} | {b.cost:.1f} | {growth:.2f}× | "
            f"{a.in_process.total_ms:.0f} → {b.in_process.total_ms:.0f} ms | {a.queries} → "
            f"{b.queries} | {fmt_kb(a.body)} → {fmt_kb(b.body)} | "
            f"{'PASS' if ok else 'FAIL'}{' (no target)' if a.page.kind == 'info' else ''} |"
        )
    for a, b in zip(small_exports, large_exports, strict=False):
        grows = b.peak_memory > GROWTH_LIMIT * a.peak_memory + 1024**2
        failures += grows
        print(
            f"| {a.name} export, peak memory | {a.peak_memory / 1024**2:.1f} MB | "
            f"{b.peak_memory / 1024**2:.1f} MB | | | | "
            f"{b.peak_memory / max(a.peak_memory, 1):.2f}× | "
            f"| {a.queries} → {b.queries} | {fmt_kb(a.size)} → {fmt_kb(b.size)} | "
            f"{'FAIL' if grows else 'PASS'} |"
        )
    print(
        "\nper request = 1 / requests a second at saturation (median over rounds); cost vs bare = "
        "bare req/s / page req/s in the same round, so a busier machine cancels out; "
        f"target: growth ≤ {GROWTH_LIMIT}× (judged on cost vs bare), peak export memory "
        f"≤ {GROWTH_LIMIT}× + 1 MB"
    )
    return failures


# --- Main ---------------------------------------------------------------------------------------


def parse_options(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, choices=SIZES, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--workers", type=int, default=2 * len(os.sched_getaffinity(0)))
    parser.add_argument("--pages", type=lambda s: s.split(","), help="page keys, comma-separated")
    parser.add_argument("--no-exports", action="store_true", help="skip the CSV export checks")
    parser.add_argument("--open-loop", action="store_true", help="open-loop mode (no wrk)")
    parser.add_argument("--rate", type=float, default=24.0, help="open loop: requests a second")
    parser.add_argument("--seconds", type=float, default=30.0, help="open loop: duration")
    parser.add_argument("--compare", action="store_true", help="sizes 1,000 and 100,000")
    parser.add_argument(
        "--compare-sizes",
        type=lambda text: tuple(int(size) for size in text.split(",")),
        default=(1_000, 100_000),
        help="the two sizes --compare runs (default 1000,100000)",
    )
    parser.add_argument("--profile", action="append", metavar="KEY", help="profile a page")
    parser.add_argument("--profile-failures", action="store_true")
    parser.add_argument("--profile-lines", type=int, default=25)
    parser.add_argument("--max-minutes", type=float, default=60.0, help="stop after this long")
    parser.add_argument(
        "--redis",
        default="private",
        help="REDIS_CACHE_URL for the server: 'private' (default) starts a throwaway "
        "redis-server; a redis://host:port/db URL uses that database (flushed); '' none",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    options = parser.parse_args(argv)
    if not (1 <= options.rounds <= 20 and 1 <= options.duration <= 120):
        parser.error("--rounds 1..20 and --duration 1..120")
    if len(options.compare_sizes) != 2 or not set(options.compare_sizes) <= set(SIZES):
        parser.error(f"--compare-sizes: two of {', '.join(map(str, SIZES))}")
    if not (0 < options.rate <= 200 and 0 < options.seconds <= 600):
        parser.error("--rate up to 200 and --seconds up to 600")
    return options


def interrupt(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None) -> int:
    options = parse_options(argv)
    url = server_url()
    bench_url = with_database(url, BENCH_DATABASE)
    folder = Path(tempfile.mkdtemp(prefix="sscportal-bench-static-"))
    stack = ExitStack()
    if options.redis not in {"", "private"} and not re.fullmatch(
        r"redis://[^/]+/\d+", options.redis
    ):
        sys.exit("--redis must name a database number, e.g. redis://127.0.0.1:6379/15")
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGALRM, interrupt)
    signal.alarm(int(options.max_minutes * 60))
    started = time.monotonic()
    try:
        redis_url = stack.enter_context(redis_for_bench(options.redis, folder))
        options.env = production_env(bench_url, folder / "static", folder / "uploads", redis_url)
        # This process reads the same settings as gunicorn: building, counting queries.
        os.environ.update(options.env)
        for key in list(os.environ):
            if key not in options.env:
                os.environ.pop(key)
        import django

        django.setup()
        wrk = None if options.open_loop else ensure_wrk()
        print(
            "Web benchmark of the SSC Portal, "
            f"{time.strftime('%Y-%m-%d %H:%M %Z')}, PostgreSQL {pg_version(url)}"
        )
        for line in machine_description():
            print(f"  {line}")
        if options.open_loop:
            with served(options.size, options, url) as (built, server, cookies):
                pages = selected(pages_for(built), options.pages)
                preflight(pages, server.port, cookies)
                failures = open_loop(server.port, pages, cookies, options.rate, options.seconds)
        elif options.compare:
            first, second = options.compare_sizes
            small, small_exports, _ = closed_loop(first, options, url, wrk)
            large, large_exports, _ = closed_loop(second, options, url, wrk)
            failures = compare(options.compare_sizes, small, large, small_exports, large_exports)
            write_json(options, {str(first): small, str(second): large})
        else:
            results, exports, failures = closed_loop(options.size, options, url, wrk)
            write_json(options, {str(options.size): results}, exports)
        load = " ".join(f"{value:.2f}" for value in os.getloadavg())
        print(
            f"\nfinished in {(time.monotonic() - started) / 60:.1f} min; load average {load}; "
            f"{failures} target(s) missed"
        )
        return 1 if failures else 0
    except BenchError as error:
        print(f"\nbench stopped: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as stop:
        print(f"\nbench interrupted ({stop or 'Ctrl-C'}); cleaned up", file=sys.stderr)
        return 130
    finally:
        signal.alarm(0)
        stack.close()
        shutil.rmtree(folder, ignore_errors=True)


def pg_version(url: str) -> str:
    import psycopg2

    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return cursor.fetchone()[0]
    finally:
        connection.close()


def write_json(options, sizes: dict, exports: list | None = None) -> None:
    if not options.json:
        return
    figures = {
        size: {
            key: {
                "name": r.page.name,
                "path": r.page.path,
                "rps": [run.rps for run in r.runs],
                "bare_rps": [run.rps for run in r.bare],
                "p50_ms": [run.p50 for run in r.runs],
                "p99_ms": [run.p99 for run in r.runs],
                "queries": r.queries,
                "body": r.body,
            }
            for key, r in results.items()
        }
        for size, results in sizes.items()
    }
    if exports:
        figures["exports"] = [e.__dict__ for e in exports]
    options.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    sys.exit(main())
