# mock-ksef in a container: `docker build -t mock-ksef .` then
# `docker run -p 8080:8080 -v mock-ksef-state:/data mock-ksef`.
# Configure with MOCK_KSEF_* variables (see README, "Configuration"), e.g.
# `-e MOCK_KSEF_CLOCK=frozen:2026-01-01T12:00:00+00:00 -e MOCK_KSEF_SEED=7`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A regular (not editable) install; the sources do not stay in the image.
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY mock_ksef ./mock_ksef
# The bundled scenario library; setup.py installs it as mock_ksef/bundled_scenarios.
COPY scenarios ./scenarios
RUN pip install . && rm -rf /src

RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin ksef \
    && mkdir -p /data && chown ksef:ksef /data

# Listen on every interface; keys, the JWT secret and the SQLite store live in /data.
# gunicorn (gthread) workers share that store (docs/serving.md); MOCK_KSEF_WORKERS=0
# means one per CPU up to four, or one with MOCK_KSEF_CLOCK=frozen|offset. Set
# MOCK_KSEF_PUBLIC_URL (e.g. http://mock-ksef:8080) when other containers follow links.
ENV MOCK_KSEF_HOST=0.0.0.0 \
    MOCK_KSEF_PORT=8080 \
    MOCK_KSEF_STATE_DIR=/data \
    MOCK_KSEF_SERVER=gunicorn \
    MOCK_KSEF_WORKERS=0

USER ksef
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080

# The slim image has no curl: ask Python. A non-2xx answer or no answer exits 1.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_mock/health' % os.environ.get('MOCK_KSEF_PORT', '8080'), timeout=4)"]

ENTRYPOINT ["mock-ksef", "serve"]
