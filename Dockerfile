# syntax=docker/dockerfile:1
# regcred image: `docker build -t regcred .` → runs `regcred run` / `regcred sync` (deploy/ overlays).

# ---- build: full toolchain, compiles TypeScript to dist/ ----
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: no install script is needed to build (and the `node` devDependency would download a binary).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY providers ./providers
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts \
 && npm cache clean --force

# ---- runtime: Node 24, production dependencies and dist only, non-root ----
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
# V8 sizes its heap from the host, not the container: a small young generation and an old-space cap keep
# a 10,000-namespace pass under 200 MB RSS (bench/sync, docs/sync.md "Memory"). The manifests set the same;
# raise --max-old-space-size together with the memory limit for larger clusters.
ENV NODE_OPTIONS="--max-semi-space-size=2 --max-old-space-size=256"
WORKDIR /app
COPY --from=build --chown=root:root /src/package.json ./package.json
COPY --from=build --chown=root:root /src/node_modules ./node_modules
COPY --from=build --chown=root:root /src/dist ./dist
# The `node` user (uid 1000) of the official image; the Deployment and CronJob pin the same uid.
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node", "/app/dist/src/cli/bin/regcred.js"]
CMD ["run"]
