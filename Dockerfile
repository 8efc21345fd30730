# One image for every phasegraph service: the gateway (default command) or any subgraph
# (`node --import tsx subgraphs/kit/src/main.ts <name>`), or the migration (`npm run db:migrate`).
# The current Node.js LTS (26, Active LTS from 2026-10-28); CI runs the test suite under it (.ci/run).
FROM node:26-bookworm-slim
WORKDIR /app
ENV CHECKPOINT_DISABLE=1 TURBO_TELEMETRY_DISABLED=1 HOST=0.0.0.0 PORT=4000
COPY . .
RUN npm ci --no-audit --no-fund && npm cache clean --force
EXPOSE 4000
CMD ["node", "--import", "tsx", "gateway/src/main.ts"]
