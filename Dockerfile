# syntax=docker/dockerfile:1
# Quire: one container, every blog a SQLite file under the /app/data volume.
# `npm run check:container` builds and runs it with podman (docs/architecture.md, "The container image").

# ── dependencies: exactly the committed lock; better-sqlite3 compiled here, against this image's Node 20 ──
FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# better-sqlite3 is compiled from the source in its locked tarball, not replaced by a prebuilt
# binary from GitHub that the lock does not pin; node-gyp uses the headers the image ships in
# /usr/local/include/node instead of downloading them from nodejs.org.
ENV npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# ── build: the server and CLI compiled to dist/, Next's production build; then drop dev dependencies ──
FROM deps AS build
ENV NEXT_TELEMETRY_DISABLED=1
COPY . .
# After the prune, also out: Next's build cache; its SWC compiler, which its production server does
# not load (Next's own standalone output leaves it out too); and Playwright, kept by the prune
# because Next names it as an optional peer.
RUN npm run build \
 && npm prune --omit=dev \
 && rm -rf .next/cache node_modules/@next/swc-* node_modules/@playwright node_modules/playwright node_modules/playwright-core

# ── runtime: only what the compiled server and CLI read; no compilers, no TypeScript, non-root ──
FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    QUIRE_DATA_DIR=/app/data
COPY --from=build /app/package.json /app/next.config.mjs ./
COPY --from=build /app/node_modules ./node_modules
# Next may write under .next at run time; its files belong to the user that runs it.
COPY --from=build --chown=node:node /app/.next ./.next
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# Read from lib/ at run time: the migrations, and the plain-JavaScript entries worker threads
# start from (docs/architecture.md, "What runs in production").
COPY --from=build /app/lib/db/migrations ./lib/db/migrations
COPY --from=build /app/lib/db/sqlite-worker.mjs ./lib/db/
COPY --from=build /app/lib/tasks/thread.mjs ./lib/tasks/
COPY --from=build /app/lib/process/ts-worker.mjs ./lib/process/
COPY --from=build /app/scripts/healthcheck.mjs ./scripts/
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME /app/data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "scripts/healthcheck.mjs"]
# Node is PID 1 and gets SIGTERM itself: the server finishes requests and writes pending
# pageviews before it exits (lib/server/main.ts).
CMD ["node", "dist/server.mjs"]
