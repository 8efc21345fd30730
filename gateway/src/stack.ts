// The whole API in one process: the database (migrated), every subgraph not configured to run elsewhere (built here,
// called in process, and also served on its own loopback port for direct callers), and the gateway in front.
import { openDatabase, type Database } from '@phasegraph/db';
import { ConfigError, SubgraphDirectory, serveSubgraph, type Config, type Logger, type RunningServer } from '@phasegraph/kit';
import { startGateway, type GatewayOptions } from './gateway';
import { SUBGRAPHS } from './subgraphs';

export interface Stack {
  gateway: RunningServer;
  /** Every subgraph: those in this process and where the others are. */
  subgraphs: SubgraphDirectory;
  database: Database;
  /** The migrations applied at start. */
  migrationsApplied: string[];
  /**
   * Closes the gateway first (its requests in flight answered, up to `timeoutMs`), then the subgraphs it called
   * (their own callers answered too), then the database.
   */
  close(timeoutMs?: number): Promise<void>;
}

export interface StackOptions {
  /**
   * Work to finish, every subgraph built, before the gateway listens (a development start's demo data): the gateway's
   * /health answers 200 only once start-up is complete. It may say how the gateway is to start (the explorer's header).
   */
  beforeServing?: (subgraphs: SubgraphDirectory) => Promise<GatewayOptions | void>;
}

export async function startStack(config: Config, logger: Logger, options: StackOptions = {}): Promise<Stack> {
  const subgraphs = new SubgraphDirectory(config.subgraphUrls, config.subgraphSecret);
  const embedded = SUBGRAPHS.filter((subgraph) => !subgraphs.url(subgraph.name));
  const servers: RunningServer[] = [];
  let gateway: RunningServer | undefined;
  let database: Database | undefined;
  let migrationsApplied: string[] = [];
  const close = async (timeoutMs = 0) => {
    await gateway?.close(timeoutMs);
    await Promise.all(servers.map((server) => server.close(timeoutMs)));
    await database?.close();
  };
  if (embedded.length === 0 && !config.databaseUrl) {
    throw new ConfigError([
      'DATABASE_URL: the gateway reads the version event log (subscriptions, metrics); with every subgraph served elsewhere it needs their PostgreSQL',
    ]);
  }
  try {
    database = openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize, logger });
    await database.waitUntilReachable(config.databaseWaitMs);
    if (embedded.length > 0) {
      migrationsApplied = await database.migrate();
      for (const definition of embedded) {
        const subgraph = await definition.build({ config, database, subgraphs, logger });
        subgraphs.addLocal(subgraph);
        const server = await serveSubgraph(subgraph, { config, logger, port: 0, host: '127.0.0.1' });
        servers.push(server);
        subgraphs.setUrl(definition.name, server.url);
      }
    }
    const gatewayOptions = (await options.beforeServing?.(subgraphs)) ?? {};
    gateway = await startGateway(config, subgraphs, database, logger, gatewayOptions);
    return { gateway, subgraphs, database: database!, migrationsApplied, close };
  } catch (error) {
    await close();
    throw error;
  }
}
