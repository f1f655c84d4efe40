# The moderation service: `docker build -t moderation .` then `docker run -p 8000:8000 -v moderation:/var/lib/moderation
# moderation` (or `docker compose up`). The first start prints the first site's API key in the logs.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MODERATION_INSTANCE=/var/lib/moderation \
    MODERATION_BIND=0.0.0.0:8000 \
    MODERATION_METRICS_BIND=0.0.0.0:9100

WORKDIR /src
COPY pyproject.toml README.md ./
COPY moderation ./moderation
COPY service ./service
COPY datasets ./datasets
COPY models ./models
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /var/lib/moderation moderation \
    && mkdir -p /var/lib/moderation \
    && chown moderation /var/lib/moderation

USER moderation
WORKDIR /var/lib/moderation
VOLUME /var/lib/moderation
# 8000: the APIs. 9100: /metrics, for a Prometheus on the same network (publish it only if you mean to).
EXPOSE 8000 9100
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status != 200)"]

# The same command the test suite runs; every setting comes from the environment (MODERATION_WORKERS,
# MODERATION_LOG_FORMAT...), a config file ($MODERATION_CONFIG) or GUNICORN_CMD_ARGS.
CMD ["moderation", "serve"]
