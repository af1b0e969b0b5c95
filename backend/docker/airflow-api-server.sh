#!/bin/sh
# Airflow's simple auth manager reads its users' passwords from a JSON file. Write it from the
# environment so Airflow and the portal (which logs in as AIRFLOW_USERNAME) agree, then serve.
set -eu
python - <<'PY'
import json
import os

path = os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as handle:
    json.dump({os.environ["AIRFLOW_USERNAME"]: os.environ["AIRFLOW_PASSWORD"]}, handle)
PY
exec airflow api-server "$@"
