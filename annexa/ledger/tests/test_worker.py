"""`annexa worker` runs the huey consumer with the scheduled checkpoint task registered."""

from __future__ import annotations

import datetime

from huey.contrib.djhuey import HUEY
from typer.testing import CliRunner

from annexa.cli.main import app
from annexa.ledger import tasks


def test_it_registers_the_checkpoint_schedule(settings):
    due = datetime.datetime(2026, 3, 1, 14, 0)  # a whole hour: due at the default 60 minutes
    names = {task.name for task in HUEY.read_periodic(due)}
    assert tasks.scheduled_checkpoints.name in names
    not_due = datetime.datetime(2026, 3, 1, 14, 1)
    assert tasks.scheduled_checkpoints.name not in {t.name for t in HUEY.read_periodic(not_due)}


def test_it_starts_a_consumer_with_periodic_tasks(monkeypatch, db):
    started = {}

    class FakeConsumer:
        def run(self) -> None:
            started["ran"] = True

    def create_consumer(**options):
        started.update(options)
        return FakeConsumer()

    monkeypatch.setattr(HUEY, "create_consumer", create_consumer)
    result = CliRunner().invoke(app, ["worker", "--workers", "3"])
    assert result.exit_code == 0, result.output
    assert started == {
        "workers": 3,
        "worker_type": "thread",
        "periodic": True,
        "graceful_signal": "TERM",  # systemd and `make run` stop it with SIGTERM
        "shutdown_timeout": 30,
        "ran": True,
    }
    assert "checkpoints every 60 min" in result.stderr
