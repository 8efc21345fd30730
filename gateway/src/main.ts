// `npm start`: runs the whole API (gateway and every subgraph) in one process, on PostgreSQL when DATABASE_URL
// is set, else on the embedded database; prints the URL and, outside production, demo users' headers.
import { DatabaseUnreachableError } from '@phasegraph/db';
import { ConfigError, createLogger, loadConfig, startTracing } from '@phasegraph/kit';
import { DEMO_CYCLE_ID, DEMO_REPORT_ID, seedDemo } from './demo';
import { startStack } from './stack';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { service: 'phasegraph' });
  for (const warning of config.warnings) logger.warn(warning);
  const tracing = config.tracing && startTracing({ ...config.tracing, serviceName: config.tracing.serviceName ?? 'phasegraph' });
  // Outside production the demo users and data are seeded before the gateway listens: once it is ready (its /health
  // answers 200), they are there.
  let demo: Awaited<ReturnType<typeof seedDemo>> | undefined;
  const stack = await startStack(config, logger, {
    async beforeServing(subgraphs) {
      if (config.production) return {};
      demo = await seedDemo(subgraphs, config.jwtSecret);
      // GraphiQL opens as the demo tester, whose header the user may edit.
      const tester = demo.find(({ user }) => user.roles.includes('TESTER'));
      return { explorer: { authorization: tester?.header.replace(/^Authorization:\s*/, '') } };
    },
  });
  // Shutdown: /health answers 503 at once, requests in flight are answered (up to SHUTDOWN_TIMEOUT_MS), subscriptions
  // close with 1001, then the subgraphs and the database. A second signal does not wait.
  const stop = async (signal: string) => {
    logger.info('stopping', { signal, timeoutMs: config.shutdownTimeoutMs });
    process.once(signal, () => process.exit(1));
    await stack.close(config.shutdownTimeoutMs);
    // Spans still batched are sent before the process goes.
    await tracing?.shutdown();
    logger.info('stopped', { signal });
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  const where = config.databaseUrl ? 'PostgreSQL from DATABASE_URL' : `the embedded database in ${config.dataDir}`;
  const lines = [
    '',
    `phasegraph is ready at ${stack.gateway.url}  (${where}${stack.migrationsApplied.length ? `; applied ${stack.migrationsApplied.join(', ')}` : ''})`,
    `Open it in a browser for Apollo Sandbox (loaded from Apollo's CDN), or GraphiQL, served by the gateway, offline too: ${new URL('/graphiql', stack.gateway.url)}`,
    `Health: ${new URL('/health', stack.gateway.url)}  Metrics: ${config.metricsPort ? `port ${config.metricsPort}, /metrics` : new URL('/metrics', stack.gateway.url)}${config.tracing ? `  Traces: OTLP to ${config.tracing.endpoint}` : ''}`,
    'Subgraphs (they accept only calls signed by the gateway):',
    ...[...stack.subgraphs.urls].map(([name, url]) => `  ${name} subgraph: ${url}`),
  ];
  if (demo) {
    lines.push(
      '',
      `Demo report: cycleId ${DEMO_CYCLE_ID}  reportId ${DEMO_REPORT_ID}  (with legacy report attributes and a sample set)`,
      "Demo users (paste a header into Sandbox's Headers tab or GraphiQL's, or curl -H; GraphiQL opens as Tess):",
    );
    for (const { user, header } of demo) lines.push(`  ${user.name} (${user.roles.join(', ')}):`, `    ${header}`);
  }
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof DatabaseUnreachableError ? error.message : error);
  process.exit(1);
});
