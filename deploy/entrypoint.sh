#!/bin/sh
# The container's roles (deploy/Containerfile). Configuration comes from ANNEXA_* variables
# only; secrets as ANNEXA_*_FILE (docs/deploy.md, "Configuration").
set -eu
role="${1:-web}"
[ "$#" -gt 0 ] && shift
case "$role" in
  web)
    # WEB_PROCESSES (this script's own, not an Annexa setting): gunicorn processes, 4 threads each.
    exec annexa serve --host 0.0.0.0 --port "${PORT:-8000}" --workers "${WEB_PROCESSES:-2}" "$@"
    ;;
  worker)
    exec annexa worker --workers "${WORKER_THREADS:-2}" "$@"
    ;;
  init)
    exec annexa init "$@"
    ;;
  *)
    exec annexa "$role" "$@"
    ;;
esac
