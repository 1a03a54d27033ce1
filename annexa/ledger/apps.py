from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "annexa.ledger"
    label = "ledger"
