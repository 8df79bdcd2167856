# syntax=docker/dockerfile:1
# Hearth: one binary. Templates and migrations are compiled into it; only static/ ships beside it.
#
#   docker build -t hearth .
#   docker run --rm -p 8080:8080 -e DATABASE_URL=... -e HEARTH_MASTER_KEY=... \
#     -e HEARTH_ENV=production -e HEARTH_BASE_URL=https://hearth.example.org hearth
#
# The image has no PostgreSQL server, so the embedded database is not available in it:
# DATABASE_URL must be set (docker-compose.yml does this).

# ---- build ------------------------------------------------------------------------------------
FROM rust:1-bookworm AS build
WORKDIR /src

# The workspace: the application crate (src/), the platform and module crates (crates/), and
# what they read at compile time: `sqlx::migrate!` (migrations/), Askama (templates/) and
# `include_bytes!` (data/, the ICD-10-CM code list). `.ci/docker-context` builds from exactly
# these COPY lines (and .dockerignore) in CI, since no Docker engine runs there.
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates
COPY src ./src
COPY migrations ./migrations
COPY templates ./templates
COPY data ./data
# Message catalogues, embedded with include_str! (docs/i18n.md).
COPY locales ./locales
# The registry and target directories are BuildKit caches: rebuilds after a source change
# compile only the workspace crates.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin hearth \
 && install -m 0755 target/release/hearth /usr/local/bin/hearth

# ---- runtime ----------------------------------------------------------------------------------
FROM debian:bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 hearth \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin hearth \
 && mkdir -p /app/data \
 && chown hearth:hearth /app/data

COPY --from=build /usr/local/bin/hearth /usr/local/bin/hearth
# The app serves ./static relative to its working directory.
COPY static /app/static

WORKDIR /app
USER 10001:10001

# HEARTH_DATA_DIR holds the generated master key in dev/demo (production takes HEARTH_MASTER_KEY).
ENV HEARTH_ADDR=0.0.0.0:8080 \
    HEARTH_DATA_DIR=/app/data
EXPOSE 8080

# No curl in the slim image: bash's /dev/tcp speaks just enough HTTP/1.0 to GET /healthz on the
# port from HEARTH_ADDR and check for a 200 status line. Nothing extra is installed for it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${HEARTH_ADDR##*:} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

CMD ["hearth", "serve"]
