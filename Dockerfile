# syntax=docker/dockerfile:1
#
# Herald's image: compiled once in the build stage; the runtime stage holds
# production dependencies, dist/ and the web client's files, and runs as
# the unprivileged `node` user. test/e2e/runtime-image.e2e-spec.ts runs the
# runtime stage's own instructions outside a container (no engine on the
# CI machines), so keep it to ENV, WORKDIR, COPY, RUN, USER, EXPOSE,
# HEALTHCHECK and CMD in their exec or plain forms.
#
#   docker build -t herald .
#   docker run -e JWT_SECRET=... -e DATABASE_URL=... -e REDIS_URL=... -p 3000:3000 herald

# Same Debian release and Node ABI as the runtime stage: the native
# better-sqlite3 binding built here is copied there.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: better-sqlite3's would download or compile its binding
# (no compiler here); the build stage's binding is copied instead.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /app/node_modules/better-sqlite3/build ./node_modules/better-sqlite3/build
COPY --from=build /app/dist ./dist
COPY src/web/public ./src/web/public
# Everything above stays root-owned and read-only to Herald; only the
# embedded database's folder (used when DATABASE_URL is unset) belongs to
# `node` (uid 1000 in the node images).
RUN mkdir -p data && chown 1000:1000 data
USER node
EXPOSE 3000
# Liveness only (GET /health); the slim image has no curl, Node has fetch.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself as PID 1 (compose adds an init): SIGTERM reaches Herald's graceful shutdown directly.
CMD ["node", "dist/src/main.js"]
