"""The organization navigation bar, as data. Each app's pages appear here once."""

ORG_NAV: tuple[tuple[str, str], ...] = (
    ("Dashboard", "dashboard:readiness"),
    ("Scope", "isms:scope"),
    ("Context", "isms:context"),
    ("Objectives", "isms:objectives"),
    ("SoA", "isms:soa"),
    ("Risks", "risks:list"),
    ("Assets", "assets:list"),
    ("Suppliers", "suppliers:list"),
    ("Evidence", "evidence:list"),
    ("Audits", "audits:programmes"),
    ("Findings", "findings:list"),
    ("Reports", "reports:list"),
    ("Actions", "actions:list"),
    ("Reviews", "reviews:list"),
    ("Monitoring", "monitoring:grid"),
    ("Connectors", "connectors:list"),
    ("Ledger", "ledger:list"),
    ("People", "orgs:members"),
)
