"""Reading the facts of a PostgreSQL snapshot (``connectors.builtins.postgres`` writes them)."""
