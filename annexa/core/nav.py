"""The organization navigation bar, as data. Each app's pages appear here once."""

ORG_NAV: tuple[tuple[str, str], ...] = (
    ("Dashboard", "isms:dashboard"),
    ("Scope", "isms:scope"),
    ("Context", "isms:context"),
    ("SoA", "isms:soa"),
    ("Evidence", "evidence:list"),
    ("Audits", "audits:programmes"),
    ("Findings", "findings:list"),
    ("Actions", "actions:list"),
    ("Monitoring", "monitoring:grid"),
    ("Connectors", "connectors:list"),
    ("Ledger", "ledger:list"),
    ("People", "orgs:members"),
)
