# syntax=docker/dockerfile:1
# The production image. It never creates or trusts a development PKI: it starts only with the
# gateway's key and certificate mounted under CERTS_DIR and registered with their CA in the
# trust store (bxg serve --require-pki; README "docker-compose"). The demo profile of
# docker-compose.yml runs `serve --init-pki` explicitly instead.
# Node.js 22 (LTS); the code also runs on Node.js 20, which CI uses.

# Dependencies stage: exact production dependencies from the lockfile.
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# Template stage: the embedded database's fresh-cluster dump that `npm ci` makes through
# scripts/prepare.ts (skipped above by --ignore-scripts, so run here), so that an embedded start
# in the container is as fast as from a checkout. The build fails if the dump was not made.
FROM deps AS template
COPY scripts ./scripts
COPY src/db/pglite-template.ts ./src/db/pglite-template.ts
RUN node --import tsx scripts/prepare.ts && ls node_modules/.cache/bxg/pglite-*-fresh.tar

# Compile stage: the sources to JavaScript (dist/, scripts/build.ts) with the dev dependencies
# (TypeScript), so the image's `bxg` starts without transpiling anything.
FROM node:22-bookworm-slim AS compile
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN node --import tsx scripts/build.ts && test -f dist/.stamp

# Runtime stage: sources + production dependencies, run as an unprivileged user.
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    CERTS_DIR=/app/certs \
    DATA_DIR=/app/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=template /app/node_modules/.cache/bxg ./node_modules/.cache/bxg
COPY package.json package-lock.json ./
COPY bin ./bin
COPY src ./src
COPY --from=compile /app/dist ./dist
COPY schemas ./schemas
COPY standards ./standards
COPY docs ./docs
# CERTS_DIR is a mount point (production: the operator's files, read-only is enough; the demo
# profile: a volume the development PKI is written to). DATA_DIR: the embedded database only.
# dist/ was compiled from exactly this src/: its stamp is made newer than the copied sources,
# so bin/bxg.js runs the JavaScript.
RUN mkdir -p /app/data /app/certs && chown -R node:node /app/data /app/certs && touch /app/dist/.stamp
USER node
EXPOSE 8080
# Ready (database, signing key, trust), not merely alive; on the configured PORT.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=5 \
  CMD ["node", "-e", "const h=process.env.HOST;const host=!h||h==='0.0.0.0'||h==='::'?'127.0.0.1':h.includes(':')?`[${h}]`:h;fetch(`http://${host}:${process.env.PORT||8080}/ready`,{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "bin/bxg.js", "serve", "--require-pki"]
