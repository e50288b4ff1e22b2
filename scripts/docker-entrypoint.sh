#!/bin/sh
# Container entrypoint: wait for the database, then run the given command.  The web service
# sets MIGRATE_ON_START=1 so migrations run once, before gunicorn starts.
set -eu
python manage.py wait_for_db --timeout "${DB_WAIT_SECONDS:-60}"
if [ "${MIGRATE_ON_START:-0}" = "1" ]; then
    python manage.py migrate --noinput
    python manage.py createcachetable
fi
exec "$@"
