"""``annexa init`` and ``annexa serve``: first-time set-up and the production web server."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import typer

from annexa.cli.bootstrap import err, fail, setup


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def ensure_secret_key(home: Path) -> bool:
    from annexa import config

    if config.env_str("ANNEXA_SECRET_KEY") or config.secret_key_path(home).exists():
        return False
    _write_private(config.secret_key_path(home), secrets.token_urlsafe(50).encode())
    return True


def _private_home(home: Path) -> None:
    """ANNEXA_HOME holds the database, keys and evidence: readable by this user only (0700).
    A new home is created so; an existing one of ours that others may read is tightened."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = home.stat().st_mode & 0o777
    if mode & 0o077 and home.stat().st_uid == os.geteuid():
        home.chmod(mode & 0o700)
        err.print(f"made {home} readable by this user only (it was {mode:o})")


def _private_sqlite(settings) -> None:
    """The SQLite database file is created readable by this user only (0600) and an existing
    one is tightened; SQLite gives its -wal and -shm files the database file's mode."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return
    path = Path(database["NAME"])
    if str(path) == ":memory:" or str(path).startswith("file:"):
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)


def _prepare_home() -> None:
    """ANNEXA_HOME and the secret key, before Django reads its settings from them."""
    from annexa import config

    try:
        home = config.annexa_home()
        _private_home(home)
        if ensure_secret_key(home):
            err.print(f"generated a secret key in {config.secret_key_path(home)}")
    except config.ConfigError as exc:
        fail(f"configuration error: {exc}")
    except OSError as exc:
        fail(
            f"cannot prepare ANNEXA_HOME: {exc.strerror} ({exc.filename}); set ANNEXA_HOME to "
            "a directory this user may create and write"
        )


def init() -> None:
    """Create ANNEXA_HOME, keys, the database and its tables, and load the catalog."""
    _prepare_home()
    setup()
    from django.conf import settings
    from django.core.management import call_command

    from annexa.catalog.loader import CatalogError, load_catalog
    from annexa.ledger.keys import ensure_signing_key

    try:
        if ensure_signing_key(Path(settings.SIGNING_KEY_PATH)):
            err.print(f"generated the ledger signing key {settings.SIGNING_KEY_PATH}")
    except OSError as exc:
        fail(
            f"cannot write the signing key: {exc.strerror} ({exc.filename}); check "
            "ANNEXA_SIGNING_KEY_PATH"
        )
    # Uploads stage here (FILE_UPLOAD_TEMP_DIR), inside ANNEXA_HOME where the clean-up job
    # collects what a killed request left; Django's checks want the folder to exist.
    Path(settings.FILE_UPLOAD_TEMP_DIR).mkdir(mode=0o700, parents=True, exist_ok=True)
    _private_sqlite(settings)
    from annexa.connectors.secrets import ensure_keyring, keyring_path

    if ensure_keyring():
        err.print(f"generated the connector secrets keyring {keyring_path()}")
    _migrate(call_command)
    err.print("database ready")
    try:
        summary = load_catalog()
    except CatalogError as exc:
        fail(f"catalog data is invalid: {exc}")
    err.print(f"catalog: {summary}")
    # Collected (and compressed) here, once per installation or upgrade, so `serve` starts fast.
    call_command("collectstatic", interactive=False, verbosity=0)
    err.print("static files ready")


def _migrate(call_command) -> None:
    """Migrate as the tables' owner when ANNEXA_MIGRATE_DATABASE_URL is set, then take UPDATE,
    DELETE and TRUNCATE on the ledger tables from the application's role."""
    from django.conf import settings
    from django.db import connections

    from annexa.ledger.guards import check_migrate_alias, restrict_app_role

    if "migrate" not in settings.DATABASES:
        call_command("migrate", interactive=False, verbosity=0)
        return
    problem = check_migrate_alias(settings.DATABASES)
    if problem:
        fail(problem, code=2)
    call_command("migrate", database="migrate", interactive=False, verbosity=0)
    app_role = settings.DATABASES["default"]["USER"]
    if app_role and app_role != settings.DATABASES["migrate"]["USER"]:
        restrict_app_role(connections["migrate"], app_role)
    connections["migrate"].close()


def _migrations_pending() -> bool:
    """True when ``annexa init`` has not brought the database up to date (every page would
    fail); reading the plan also proves that the database answers."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


# Connection handling of `annexa serve` (docs/deploy.md, "Failure modes"). gunicorn closes an
# idle keep-alive connection after `keepalive` seconds (its default is 2): a client that reuses
# the connection just as the server closes it gets a reset or an empty reply. Browsers and HTTP
# client pools keep idle connections for up to 60 s or more, so the server waits longer than
# that; idle connections cost gthread workers nothing but a file descriptor.
KEEPALIVE_SECONDS = 75
THREADS = 4
TIMEOUT_SECONDS = 120  # a worker silent for this long is killed and replaced
GRACEFUL_SECONDS = 30  # on SIGTERM/HUP, requests in flight get this long to finish
# Memory-backed; gunicorn creates its heartbeat files there with mkstemp and unlinks them at once.
SHM = "/dev/shm"  # noqa: S108 - gunicorn heartbeat files, created with mkstemp  # nosec B108


def server_options(host: str, port: int, workers: int) -> dict:
    """The gunicorn settings ``annexa serve`` runs with."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        # Threads answer the requests; idle keep-alive connections wait in the worker's poller
        # instead of holding a thread (a sync worker would serve one connection at a time).
        "worker_class": "gthread",
        "threads": THREADS,
        "keepalive": KEEPALIVE_SECONDS,
        "timeout": TIMEOUT_SECONDS,
        "graceful_timeout": GRACEFUL_SECONDS,
        # No max_requests: workers are not recycled, so no connection is cut for recycling.
        # X-Forwarded-* is trusted from 127.0.0.1 only (gunicorn's default), never opened up.
        "forwarded_allow_ips": "127.0.0.1",
        "accesslog": "-",
        # gunicorn's control socket would live in $HOME, shared by every instance on the
        # machine; Annexa is managed by signals (systemd, `make run`) instead.
        "control_socket_disable": True,
    }
    # Workers touch a heartbeat file every second: on a slow or full disk that stalls them.
    if os.path.isdir(SHM):
        options["worker_tmp_dir"] = SHM
    return options


def _announce_first_run(host: str, port: int) -> None:
    """With no organization yet, print the first-run page and its one-time setup code (kept in
    ANNEXA_HOME/setup-token until the set-up is done); otherwise remove a stale code."""
    from annexa.orgs import first_run

    if not first_run.setup_needed():
        first_run.discard_token()
        return
    token = first_run.ensure_token()
    err.print(
        f"No organization yet: open http://{host}:{port}/accounts/setup/ (or this server's "
        f"public address) and enter the setup code {token} to create the first organization "
        f"and its owner. The code works once; it is kept in {first_run.token_path()}. "
        "`annexa org create` and `annexa user create` do the same from the command line.",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(2, min=1, help="gunicorn worker processes."),
) -> None:
    """Serve the web UI and API with gunicorn (a production WSGI server)."""
    setup()
    from django.core.management import call_command

    from annexa import config

    if not config.read_secret_key(config.annexa_home()):
        fail("no secret key: run `annexa init` (it writes one) or set ANNEXA_SECRET_KEY")
    if _migrations_pending():
        fail("the database is not up to date with this version: run `annexa init` first")
    from annexa.ledger.guards import errors_and_warnings

    errors, warnings = errors_and_warnings()
    for message in warnings:
        err.print(f"warning: {message}", highlight=False, markup=False)
    if errors:
        fail("the ledger is not append-only in the database: " + "; ".join(errors))
    call_command("collectstatic", interactive=False, verbosity=0)
    _announce_first_run(host, port)
    from gunicorn.app.wsgiapp import WSGIApplication

    class _App(WSGIApplication):
        def __init__(self) -> None:
            self.options = server_options(host, port, workers)
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                self.cfg.set(key, value)

        def load(self):
            import gc

            from annexa.wsgi import application

            # Everything loaded so far (Django, the URL patterns, the catalog) lives as long as
            # the worker: move it out of the collector's reach, so a collection during a request
            # does not walk it again (measured: the checklist page's p95 280 → 129 ms).
            gc.collect()
            gc.freeze()
            from annexa.core import pdf

            pdf.keep_spare()  # a served worker renders PDFs again and again: keep one ready
            return application

    err.print(f"Annexa is serving on http://{host}:{port}/")
    _App().run()


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(serve)
