#!/bin/sh
# Run once by the postgres image when it creates its data directory (deploy/compose.yaml):
# the application's role of docs/deploy.md "Database roles" — it reads and writes the tables
# that annexa_owner's migrations create, but on the ledger tables only SELECT and INSERT
# (`annexa init` revokes the rest on every run).
set -eu
app_password="$(cat /run/secrets/app_db_password)"
psql -v ON_ERROR_STOP=1 -v app_password="$app_password" \
     --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE annexa_app LOGIN PASSWORD :'app_password';
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO annexa_owner;
GRANT USAGE ON SCHEMA public TO annexa_app;
ALTER DEFAULT PRIVILEGES FOR ROLE annexa_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO annexa_app;
ALTER DEFAULT PRIVILEGES FOR ROLE annexa_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO annexa_app;
SQL
