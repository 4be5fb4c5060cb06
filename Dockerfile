# mock-ksef in a container: `docker build -t mock-ksef .` then
# `docker run -p 8080:8080 -v mock-ksef-state:/data mock-ksef`.
# Configure with MOCK_KSEF_* variables (see README, "Configuration"), e.g.
# `-e MOCK_KSEF_CLOCK=frozen:2026-01-01T12:00:00+00:00 -e MOCK_KSEF_SEED=7`,
# or append `serve` flags: `docker run -p 9000:9000 mock-ksef --port 9000`.

# Stage 1 builds the wheel; only the wheel reaches the final image (the sources, the
# bundled scenarios aside, which the wheel carries, stay in this stage).
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY mock_ksef ./mock_ksef
# The bundled scenario library; setup.py packages it as mock_ksef/bundled_scenarios.
COPY scenarios ./scenarios
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A regular (not editable) install of the wheel, bind-mounted from the build stage so
# that not even the wheel stays in a layer. `--build-arg EXTRAS=postgresql` adds the
# PostgreSQL store's driver (deploy/compose.yaml does).
ARG EXTRAS=""
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install "$(echo /wheels/*.whl)${EXTRAS:+[$EXTRAS]}"

# A fixed uid and gid (10001), so a host folder mounted on /data can be given to them.
RUN groupadd --system --gid 10001 ksef \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --shell /usr/sbin/nologin ksef \
    && mkdir -p /data/keys && chown -R ksef:ksef /data

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

# `serve` writes the port it really listens on to /data/serving.json once it is ready;
# `mock-ksef health` asks that port's /_mock/health, so `--port 9000` stays healthy.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["mock-ksef", "health"]

ENTRYPOINT ["mock-ksef", "serve"]
