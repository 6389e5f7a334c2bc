# Vigil in a container: `docker build -t vigil .` then
#   docker run -d -p 8080:8080 -v vigil-data:/var/lib/vigil \
#     -v $PWD/vigil.yaml:/etc/vigil/vigil.yaml:ro --env-file vigil.env vigil
# The config's storage: should be sqlite:/var/lib/vigil/vigil.db (or a postgres:// URL).
# Base images are pinned to one Node release; bump both stages together.

FROM node:20.20.2-bookworm-slim AS build
# better-sqlite3 compiles when no prebuilt binary fits
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20.20.2-bookworm-slim
ENV NODE_ENV=production \
    VIGIL_CONFIG=/etc/vigil/vigil.yaml
WORKDIR /opt/vigil
COPY --from=build /src/package.json ./
COPY --from=build /src/bin ./bin
COPY --from=build /src/dist ./dist
COPY --from=build /src/examples ./examples
COPY --from=build /src/node_modules ./node_modules
RUN groupadd --system vigil && useradd --system --gid vigil --home-dir /var/lib/vigil vigil \
 && mkdir -p /var/lib/vigil /etc/vigil \
 && chown vigil:vigil /var/lib/vigil
USER vigil
WORKDIR /var/lib/vigil
VOLUME ["/var/lib/vigil"]
EXPOSE 8080
# /health is 503 when the store cannot be reached or written to
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node directly (no npm or npx in between), so `docker stop`'s SIGTERM reaches Vigil
CMD ["node", "/opt/vigil/bin/vigil.js", "up", "--listen", "0.0.0.0:8080"]
