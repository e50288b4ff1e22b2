# 京鲁供需对接平台: one image for web (gunicorn), Celery worker and Celery beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORTAL_VAR_DIR=/app/var \
    MEDIA_ROOT=/app/var/media \
    STATIC_ROOT=/app/staticfiles \
    XDG_CACHE_HOME=/tmp/cache

# fonts-noto-cjk: Chinese glyphs in exported charts/PDFs; libpq5 for psycopg2-binary is bundled.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
# torch is pinned to the CPU wheel in requirements.txt before sentence-transformers.
RUN pip install -r requirements.txt

COPY . .
# collectstatic needs settings but no secret or database: a throwaway key is used only here.
RUN SECRET_KEY=collectstatic-only-not-used-at-runtime-0123456789abcdefghij DEBUG=false \
    python manage.py collectstatic --noinput -v 0

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin portal \
    && mkdir -p /app/var/media /app/var/celery \
    && chown -R portal:portal /app/var
USER portal

EXPOSE 8000
ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--access-logfile", "-", "--no-control-socket"]
