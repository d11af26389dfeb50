# syntax=docker/dockerfile:1
# Setlist in a container: `docker run --env-file .env -v setlist-data:/data setlist discord|slack`.
# An exact tag, so a rebuild gets the same Python; bump it (or pass --build-arg) for security fixes.
ARG PYTHON_IMAGE=python:3.11.14-slim-trixie

# Builder: build the wheel and install it with its dependencies into a venv (binary wheels
# exist for every dependency on amd64 and arm64, so no compiler is needed).
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
RUN /opt/venv/bin/pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . \
    && /opt/venv/bin/pip install --no-cache-dir /wheels/*.whl

# Runtime: the same base (the venv points at its /usr/local/bin/python), the venv, no sources.
FROM ${PYTHON_IMAGE}
# SETLIST_HEARTBEAT stays off the shared volume: replicas mounting one volume must not vouch for
# each other's event loop (bot/health.py).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SETLIST_DB=/data/setlist.db \
    SETLIST_HEARTBEAT=/tmp/setlist-heartbeat
RUN groupadd --system --gid 10001 setlist \
    && useradd --system --uid 10001 --gid setlist --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin setlist \
    && mkdir /data \
    && chown setlist:setlist /data
COPY --from=builder /opt/venv /opt/venv
# Numeric, so Kubernetes runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
WORKDIR /data
# The SQLite database (and the generated secret.key, if SETLIST_SECRET_KEY is unset) live here.
VOLUME /data
# discord.py installs no SIGTERM handler and PID 1 ignores unhandled signals: stop with SIGINT,
# which both bots turn into a clean shutdown.
STOPSIGNAL SIGINT
# The bots write the heartbeat every 30 s while their event loop runs; `setlist health` fails
# once it is 90 s old (a hung loop) or missing (the bot never started).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["setlist", "health"]
ENTRYPOINT ["setlist"]
CMD ["discord"]
