# syntax=docker/dockerfile:1
# Two images from one file:
#   docker build -t journal-api .                            (the API, the default target)
#   docker build --target fileserver -t journal-fileserver . (NGINX with the web UI)
# Node 24 is the active LTS line; pinned to a patch release (bump deliberately, e.g. with Renovate)
# within package.json's engines.
ARG NODE_IMAGE=node:24.15.0-bookworm-slim
# NGINX stable line, unprivileged variant (runs as uid 101, listens on 8080); pinned like Node.
ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:1.30.6-alpine

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY bin/build-api.mjs ./bin/
COPY src ./src
RUN npm run build

# The web UI: static files built from web/ (reuses the build stage's node_modules).
FROM build AS web-build
COPY web ./web
RUN npm run build:web

FROM ${NGINX_IMAGE} AS fileserver
# Only our files in the web root (the image ships a sample index.html and 50x.html).
USER root
RUN rm -rf /usr/share/nginx/html/*
USER 101
COPY kustomize/base/fileserver/default.conf kustomize/base/fileserver/cache-control.conf kustomize/base/fileserver/server-rules.inc /etc/nginx/conf.d/
COPY --from=web-build /app/web/dist /usr/share/nginx/html
EXPOSE 8080

FROM ${NODE_IMAGE} AS api
# A smaller young generation and a capped heap keep RSS near 115 MB under load (docs/benchmarks.md).
ENV NODE_ENV=production PORT=8080 \
    NODE_OPTIONS="--max-semi-space-size=8 --max-old-space-size=128"
WORKDIR /app
# dist/main.js is a bundle that carries its dependencies: the image needs no node_modules, except
# Swagger UI's files, which /api/docs serves from disk (found from dist/ as node_modules/swagger-ui-dist).
COPY package.json ./
COPY --from=build /app/dist/main.js /app/dist/main.js.LEGAL.txt ./dist/
COPY --from=build /app/node_modules/swagger-ui-dist ./node_modules/swagger-ui-dist
# The image's unprivileged "node" user (uid 1000); Kubernetes runs it with runAsNonRoot.
USER 1000:1000
# 8080: the API; 9464: Prometheus metrics (METRICS_PORT), for scrapers inside the cluster only.
EXPOSE 8080 9464
CMD ["node", "dist/main.js"]
