// Runs one subgraph as its own process: `tsx subgraphs/kit/src/main.ts <name>` (e.g. planning), on PORT, against
// DATABASE_URL, with the other subgraphs at their <NAME>_SUBGRAPH_URL. Split deployments run one per container.
import { DatabaseUnreachableError, openDatabase } from '@phasegraph/db';
import { ConfigError, loadConfig, SUBGRAPH_NAMES } from './platform/config';
import { SubgraphDirectory } from './subgraph-client';
import { createLogger } from './platform/log';
import { startTracing } from './platform/tracing';
import { serveSubgraph, type SubgraphDefinition } from './subgraph-server';

async function main(name: string | undefined): Promise<void> {
  if (!SUBGRAPH_NAMES.includes(name as never)) throw new ConfigError([`usage: main.ts <${SUBGRAPH_NAMES.join('|')}>; got ${name ?? 'nothing'}`]);
  const config = loadConfig();
  if (!config.databaseUrl)
    throw new ConfigError(['DATABASE_URL: a subgraph run on its own needs a PostgreSQL server (npm start runs everything on the embedded one)']);
  const logger = createLogger(config.logLevel, { service: `phasegraph-${name}` });
  for (const warning of config.warnings) logger.warn(warning);
  const tracing = config.tracing && startTracing({ ...config.tracing, serviceName: config.tracing.serviceName ?? `phasegraph-${name}` });
  const { subgraph } = (await import(`@phasegraph/${name}`)) as { subgraph: SubgraphDefinition };
  const database = openDatabase({ url: config.databaseUrl, poolSize: config.databasePoolSize, logger });
  await database.waitUntilReachable(config.databaseWaitMs);
  const subgraphs = new SubgraphDirectory(config.subgraphUrls, config.subgraphSecret);
  const built = await subgraph.build({ config, database, subgraphs, logger });
  subgraphs.addLocal(built);
  const server = await serveSubgraph(built, { config, logger, port: config.port, host: config.host });
  logger.info('subgraph ready', { subgraph: name, url: server.url });
  // Requests in flight (the gateway's) are answered first; then the database closes.
  const stop = async (signal: string) => {
    logger.info('stopping', { signal, subgraph: name });
    await server.close(config.shutdownTimeoutMs);
    await database.close();
    await tracing?.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof DatabaseUnreachableError ? error.message : error);
  process.exit(1);
});
