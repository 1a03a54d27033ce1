from django.apps import AppConfig
from django.core import checks


class LedgerConfig(AppConfig):
    name = "annexa.ledger"
    label = "ledger"

    def ready(self) -> None:
        checks.register(check_append_only_triggers, checks.Tags.database)


def check_append_only_triggers(app_configs=None, databases=None, **kwargs) -> list:
    """``manage.py check --database default``: the ledger's triggers are in force."""
    from django.db import connections

    from annexa.ledger.guards import guard_problems

    messages = []
    for alias in databases or ():
        for problem in guard_problems(connections[alias]):
            if problem.level == "error":
                messages.append(checks.Error(problem.message, id="ledger.E001"))
            else:
                messages.append(checks.Warning(problem.message, id="ledger.W001"))
    return messages
