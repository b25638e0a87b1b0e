# syntax=docker/dockerfile:1
# One image recipe for every Tocsin app; APP picks which one the image starts:
#   docker build --build-arg APP=ingest -t tocsin/ingest .
# The build stage compiles all apps and libraries at once (tools/build.mjs), so the images of the
# six apps share every layer up to the last few lines.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Dependencies first, so that a source change does not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Compiles into dist/ (plus dist/node_modules/@tocsin/* for the workspace aliases, and the web console
# into dist/console, which the api serves at /), then drops
# the dev dependencies (TypeScript, jest, nx, …) from node_modules.
RUN node tools/build.mjs \
  && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only for the app user: the process cannot rewrite its own code.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Declared after the copies, so only the layers below differ between the six apps.
ARG APP
ENV APP=$APP
# Fail the build, not the container, when APP is missing or names no app.
RUN test -n "$APP" && test -f "dist/apps/$APP/src/main.js" \
  || { echo "APP must name an app under apps/ (got '$APP')" >&2; exit 1; }
# The `node` user (uid 1000) of the base image. Kubernetes' runAsNonRoot needs the numeric id,
# which deploy/ sets with runAsUser: 1000.
USER node
# exec: node replaces the shell and receives SIGTERM itself, so the app can drain on shutdown.
CMD ["sh", "-c", "exec node dist/apps/$APP/src/main.js"]
