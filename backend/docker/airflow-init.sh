#!/bin/sh
# One-shot before any Airflow component starts (docker-compose.yml: airflow-init).
# Refuses the `change-me` placeholders of .env.example: Airflow itself would start with them
# (a guessable JWT secret, an invalid Fernet key that only fails on first use).
set -eu
for name in AIRFLOW__CORE__FERNET_KEY AIRFLOW__API_AUTH__JWT_SECRET AIRFLOW__API__SECRET_KEY AIRFLOW_DB_PASSWORD; do
    value=$(printenv "$name" || true)
    if [ -z "$value" ] || [ "$value" = "change-me" ]; then
        echo "airflow-init: $name is empty or the change-me placeholder; set a real value in .env" >&2
        exit 1
    fi
done
exec airflow db migrate
