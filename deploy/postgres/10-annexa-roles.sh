#!/bin/sh
# Run once by the postgres image when it creates its data directory (deploy/compose.yaml): the
# two roles of docs/deploy.md "Database roles" and the database. annexa_owner owns the database
# and migrates it (`annexa init`); annexa_app reads and writes the tables annexa_owner's
# migrations create, but on the ledger tables only SELECT and INSERT (`annexa init` revokes the
# rest on every run). Neither is a superuser.
set -eu
owner_password="$(cat /run/secrets/owner_db_password)"
app_password="$(cat /run/secrets/app_db_password)"
psql -v ON_ERROR_STOP=1 -v owner_password="$owner_password" -v app_password="$app_password" \
     --username "$POSTGRES_USER" --dbname postgres <<'SQL'
CREATE ROLE annexa_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE annexa_app LOGIN PASSWORD :'app_password';
CREATE DATABASE annexa OWNER annexa_owner;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname annexa <<'SQL'
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO annexa_owner;
GRANT USAGE ON SCHEMA public TO annexa_app;
ALTER DEFAULT PRIVILEGES FOR ROLE annexa_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO annexa_app;
ALTER DEFAULT PRIVILEGES FOR ROLE annexa_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO annexa_app;
SQL
