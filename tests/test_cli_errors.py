"""The `annexa` command fails with a message that says what to fix, never with a traceback.

The configuration cases run the real console script in a fresh process: Django reads its
settings once per process, and this suite's process is already configured. They need no
database, so they run on the SQLite pass only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, OperationalError, ProgrammingError

from annexa.cli import main
from annexa.cli.bootstrap import explain
from annexa.config import ConfigError

ANNEXA = str(Path(sys.executable).with_name("annexa"))
one_process_per_case = pytest.mark.skipif(
    bool(os.environ.get("ANNEXA_DATABASE_URL")), reason="no database involved: SQLite pass only"
)


def annexa(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ANNEXA_")}
    return subprocess.run(
        [ANNEXA, *args],
        env={**clean, "ANNEXA_HOME": str(home), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_explained(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == ""  # stdout carries data only
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


@one_process_per_case
@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        # read by the settings, and by `init` itself before the settings exist
        ("ANNEXA_DEBUG", "yes", "ANNEXA_DEBUG must be 'true' or 'false'"),
        ("ANNEXA_SECRET_KEY_FILE", "/nonexistent/secret", "ANNEXA_SECRET_KEY_FILE: cannot read"),
    ],
    ids=["settings", "before-settings"],
)
def test_it_names_a_bad_variable_when_initialising(tmp_path, variable, value, fragment):
    assert_explained(annexa(tmp_path / "home", "init", **{variable: value}), fragment)


@one_process_per_case
def test_it_says_when_annexa_home_cannot_be_created(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    assert_explained(annexa(blocker, "init"), "cannot prepare ANNEXA_HOME", "ANNEXA_HOME")


@one_process_per_case
def test_it_sends_commands_on_an_uninitialised_home_to_annexa_init(tmp_path):
    home = tmp_path / "never-initialised"
    assert_explained(annexa(home, "org", "list", "--format", "json"), "run `annexa init` first")
    assert_explained(annexa(home, "serve", "--port", "1"), "run `annexa init`")


@one_process_per_case
def test_it_names_a_bad_variable_for_listing_commands(tmp_path):
    result = annexa(tmp_path, "catalog", "list", "--format", "json", ANNEXA_LOG_LEVEL="LOUD")
    assert_explained(result, "ANNEXA_LOG_LEVEL must be one of")


def test_it_explains_configuration_and_database_failures():
    assert explain(ConfigError("ANNEXA_X is wrong.")) == "configuration error: ANNEXA_X is wrong."
    secret = explain(ImproperlyConfigured("The SECRET_KEY setting must not be empty."))
    assert "annexa init" in secret and "ANNEXA_SECRET_KEY" in secret
    assert "run `annexa init` first" in explain(OperationalError("no such table: orgs_user"))
    missing = ProgrammingError('relation "orgs_user" does not exist\nLINE 1: SELECT')
    assert "run `annexa init` first" in explain(missing)
    refused = explain(OperationalError("connection failed: Connection refused\nIs it running?"))
    assert "ANNEXA_DATABASE_URL" in refused and "Is it running" not in refused


def test_it_leaves_bugs_their_traceback():
    assert explain(IntegrityError("UNIQUE constraint failed")) is None
    assert explain(ProgrammingError("syntax error at or near SELEC")) is None
    assert explain(KeyError("oops")) is None
    assert explain(ImproperlyConfigured("INSTALLED_APPS is broken")) is None


def test_it_turns_an_explained_failure_into_exit_1(monkeypatch, capsys):
    def broken() -> None:
        raise ConfigError("ANNEXA_X must be 'true' or 'false', got '[yes]'.")

    app = typer.Typer()
    app.command()(broken)
    monkeypatch.setattr(main, "app", app)
    monkeypatch.setattr(sys, "argv", ["annexa"])
    with pytest.raises(SystemExit) as exit_info:
        main.run()
    assert exit_info.value.code == 1
    said = capsys.readouterr().err
    assert "error: configuration error: ANNEXA_X must be 'true' or 'false', got '[yes]'." in said


def test_it_lets_a_bug_propagate(monkeypatch):
    def buggy() -> None:
        raise KeyError("a bug")

    app = typer.Typer()
    app.command()(buggy)
    monkeypatch.setattr(main, "app", app)
    monkeypatch.setattr(sys, "argv", ["annexa"])
    with pytest.raises(KeyError):
        main.run()
