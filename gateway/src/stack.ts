// The whole API in one process: the database (migrated), every subgraph not configured to run elsewhere, each on
// its own loopback port, and the gateway in front of them.
import { openDatabase, type Database } from '@phasegraph/db';
import { ConfigError, type Config, type Logger, type RunningServer } from '@phasegraph/kit';
import { startGateway } from './gateway';
import { SUBGRAPHS } from './subgraphs';

export interface Stack {
  gateway: RunningServer;
  /** Where each subgraph is served. */
  urls: ReadonlyMap<string, string>;
  database: Database;
  /** The migrations applied at start. */
  migrationsApplied: string[];
  close(): Promise<void>;
}

export async function startStack(config: Config, logger: Logger): Promise<Stack> {
  const urls = new Map<string, string>(Object.entries(config.subgraphUrls));
  const embedded = SUBGRAPHS.filter((subgraph) => !urls.has(subgraph.name));
  const servers: RunningServer[] = [];
  let database: Database | undefined;
  let migrationsApplied: string[] = [];
  const close = async () => {
    await Promise.all(servers.map((server) => server.close()));
    await database?.close();
  };
  if (embedded.length === 0 && !config.databaseUrl) {
    throw new ConfigError([
      'DATABASE_URL: the gateway reads the version event log (subscriptions, metrics); with every subgraph served elsewhere it needs their PostgreSQL',
    ]);
  }
  try {
    database = openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize });
    if (embedded.length > 0) {
      migrationsApplied = await database.migrate();
      for (const subgraph of embedded) {
        const server = await subgraph.start({ config, database, urls, logger, port: 0, host: '127.0.0.1' });
        servers.push(server);
        urls.set(subgraph.name, server.url);
      }
    }
    const gateway = await startGateway(config, urls, database, logger);
    servers.unshift(gateway);
    return { gateway, urls, database: database!, migrationsApplied, close };
  } catch (error) {
    await close();
    throw error;
  }
}
