// Connections to phasegraph's database: a PostgreSQL server when a URL is given, else PGlite (PostgreSQL compiled
// to WebAssembly, in process, data in a local folder). Both are reached through Prisma driver adapters.
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/client';
import { applyMigrations } from './schema-engine';
import { countStatements } from './statement-count';

/** Where the data lives: `url` selects a PostgreSQL server; otherwise PGlite keeps it in `dataDir` (in memory when absent). */
export interface DatabaseConfig {
  url?: string;
  dataDir?: string;
  /** Connections per subgraph client on PostgreSQL. */
  poolSize?: number;
  /** Where the database reports trouble no caller sees, such as a LISTEN connection lost; JSON lines on stderr by default. */
  logger?: DatabaseLogger;
}

/** What the database logs with (the kit's Logger is one). */
export interface DatabaseLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** One database, shared by the subgraphs of a process, each of which takes its own client. */
export interface Database {
  readonly kind: 'postgres' | 'pglite';
  /** A Prisma client for one subgraph: its own connection pool on PostgreSQL; on PGlite all share the one instance. */
  client(): PrismaClient;
  /** The adapter the schema engine runs migrations and diffs through. */
  migrationAdapter(): SqlMigrationAwareDriverAdapterFactory;
  /** Applies the committed migrations not yet applied; returns their names. */
  migrate(): Promise<string[]>;
  /**
   * Calls `onNotify` after each notification on `channel` (sent by `pg_notify`, delivered at commit), and once more
   * after a lost connection is re-established, since notifications sent meanwhile are gone. Returns a stop function.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  /**
   * Resolves once the database answers, trying again until `waitMs` has passed (a server starting up, a network not
   * yet there); logs once what it waits for. Then fails with DatabaseUnreachableError, which says what and why.
   */
  waitUntilReachable(waitMs: number): Promise<void>;
  close(): Promise<void>;
}

/** The database did not answer within the time allowed: an operator's condition, told in one line. */
export class DatabaseUnreachableError extends Error {}

/** Between two attempts to reach a database that did not answer. */
const REACH_RETRY_MS = 500;

export function openDatabase(config: DatabaseConfig): Database {
  return config.url ? openPostgres(config.url, config.poolSize ?? 5, config.logger ?? stderrLogger) : openPGlite(config.dataDir);
}

/** Logs as the kit's logger does, for callers that pass none. */
const stderrLogger: DatabaseLogger = {
  info: (message, fields) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', message, ...fields })}\n`),
  warn: (message, fields) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'warn', message, ...fields })}\n`),
};

function openPostgres(url: string, poolSize: number, logger: DatabaseLogger): Database {
  const clients: PrismaClient[] = [];
  return {
    kind: 'postgres',
    waitUntilReachable: (waitMs) => waitForPostgres(url, waitMs, logger),
    client() {
      const client = new PrismaClient({ adapter: countStatements(new PrismaPg(poolSettings(url, poolSize))) });
      clients.push(client);
      return client;
    },
    // Parsed fields, not the URL: the adapter derives its shadow database's pool by overriding `database`, which a
    // connection string would win over.
    migrationAdapter: () => new MigrationAdapterFactory({ ...connectionFields(url), max: 4, Client: CatalogReadableClient as unknown as typeof pg.Client }),
    migrate() {
      return applyMigrations(this.migrationAdapter());
    },
    listen: (channel, onNotify) => listenOnPostgres(url, channel, onNotify, logger),
    async close() {
      await Promise.all(clients.map((client) => client.$disconnect()));
    },
  };
}

/** The settings of each subgraph's connection pool on PostgreSQL: `max` connections, each a PooledConnection. */
export function poolSettings(url: string, max: number): pg.PoolConfig {
  return { connectionString: url, max, Client: PooledConnection };
}

/**
 * A pooled connection that always has a listener for its errors. pg-pool takes its own listener off a connection
 * when it hands it out, and the driver adapter puts its own on only when its `await pool.connect()` resumes, a
 * microtask later. When the server ends a connection (a restart, pg_terminate_backend) right after the answer that
 * frees it for a waiting transaction, its FATAL arrives in the same read, before the adapter resumes: emitted with no
 * listener, it ended the whole process. The error changes nothing else: the connection is marked unusable, its next
 * query fails with a connection error (a transient fault, retried), and the pool discards it when it is released.
 */
class PooledConnection extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}

/** The first wait before connecting again after a LISTEN connection is lost; it doubles with each failed try. */
const RECONNECT_FIRST_MS = 1_000;
const RECONNECT_MAX_MS = 15_000;

/**
 * A dedicated connection LISTENing on `channel`. If it cannot be opened the caller hears of it (the promise rejects)
 * and nothing is left trying. Once open, a lost connection is logged and opened again (waiting 1 s, then longer while
 * it fails, each failure logged), and `onNotify` is called when it is back, since notifications sent meanwhile are gone.
 */
async function listenOnPostgres(url: string, channel: string, onNotify: () => void, logger: DatabaseLogger): Promise<() => Promise<void>> {
  const statement = `LISTEN "${channel.replaceAll('"', '""')}"`;
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  /** A connection LISTENing on the channel; one that fails on the way is closed, not left to reconnect. */
  const connect = async (): Promise<pg.Client> => {
    const next = new pg.Client({ connectionString: url });
    let lostWith: string | undefined;
    next.on('notification', (message) => message.channel === channel && onNotify());
    // Without a listener, an error on the idle connection (the server restarting, the network dropping) would end the
    // process; it is reported with the 'end' that follows.
    next.on('error', (error) => (lostWith = error.message));
    try {
      await next.connect();
      await next.query(statement);
    } catch (error) {
      await next.end().catch(() => undefined);
      throw error;
    }
    next.once('end', () => {
      if (stopped) return;
      logger.warn('LISTEN connection lost; connecting again', { channel, error: lostWith });
      reconnect(1);
    });
    return next;
  };

  const reconnect = (attempt: number) => {
    client = undefined;
    retry = setTimeout(
      async () => {
        try {
          const next = await connect();
          if (stopped) return void (await next.end());
          client = next;
          logger.info('LISTEN connection back', { channel, attempts: attempt });
          onNotify();
        } catch (error) {
          logger.warn('LISTEN connection could not be opened again; trying again', { channel, attempt, error: messageOf(error) });
          if (!stopped) reconnect(attempt + 1);
        }
      },
      Math.min(RECONNECT_FIRST_MS * 2 ** (attempt - 1), RECONNECT_MAX_MS),
    );
  };

  try {
    client = await connect();
  } catch (error) {
    logger.warn('could not LISTEN', { channel, error: messageOf(error) });
    throw error;
  }
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end();
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Connects and asks `SELECT 1` until it answers or `waitMs` has passed. */
async function waitForPostgres(url: string, waitMs: number, logger: DatabaseLogger): Promise<void> {
  const { host, port, database } = connectionFields(url);
  const where = `PostgreSQL at ${host ?? 'localhost'}:${port ?? 5432}, database ${database ?? '(default)'}`;
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: Math.max(1_000, Math.min(5_000, waitMs)) });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      if (attempt > 1) logger.info('the database answers', { database: where });
      return;
    } catch (error) {
      const reason = error instanceof Error ? error.message || (error as { code?: string }).code || error.name : String(error);
      if (Date.now() + REACH_RETRY_MS > deadline) {
        throw new DatabaseUnreachableError(`Cannot reach ${where} after ${Math.round(waitMs / 1000)} s (DATABASE_WAIT_MS): ${reason}.`);
      }
      if (attempt === 1) logger.warn('waiting for the database', { database: where, reason, waitMs });
      await new Promise((resolve) => setTimeout(resolve, REACH_RETRY_MS));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

function openPGlite(dataDir: string | undefined): Database {
  const instance = new PGlite(dataDir);
  const adapter = new PrismaPGlite(instance);
  const clients: PrismaClient[] = [];
  return {
    kind: 'pglite',
    // In process: there is nothing to wait for.
    waitUntilReachable: async () => undefined,
    client() {
      const client = new PrismaClient({ adapter: countStatements(adapter) });
      clients.push(client);
      return client;
    },
    migrationAdapter: () => adapter,
    migrate() {
      return applyMigrations(adapter);
    },
    async listen(channel, onNotify) {
      return instance.listen(channel, () => onNotify());
    },
    async close() {
      await Promise.all(clients.map((client) => client.$disconnect()));
      await instance.close();
    },
  };
}

/**
 * The pg adapter for the schema engine. Its shadow database (for diffs against the migrations) is closed before
 * it is dropped: the stock adapter drops it first and PostgreSQL refuses while the pool still holds a session.
 */
class MigrationAdapterFactory extends PrismaPg {
  constructor(private readonly poolConfig: pg.PoolConfig) {
    super(new pg.Pool(poolConfig));
  }

  override async connectToShadowDb(): Promise<Awaited<ReturnType<PrismaPg['connect']>>> {
    const database = `prisma_shadow_${randomUUID().replaceAll('-', '')}`;
    const admin = new pg.Client(this.poolConfig);
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    await admin.end();
    const pool = new pg.Pool({ ...this.poolConfig, database });
    const adapter = await new PrismaPg(pool).connect();
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await pool.end();
      const dropper = new pg.Client(this.poolConfig);
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS "${database}"`).finally(() => dropper.end());
    };
    return adapter;
  }
}

function connectionFields(url: string): pg.PoolConfig {
  const { host, port, user, password, database, ssl } = parseConnectionString(url);
  return { host: host ?? undefined, port: port ? Number(port) : undefined, user, password, database: database ?? undefined, ssl: ssl as pg.PoolConfig['ssl'] };
}

/**
 * A pg client for the schema engine only. The engine reads PostgreSQL's catalogs, whose internal `"char"` columns
 * (type oid 18) the pg driver adapter does not map and rejects; their values are one-letter strings, so they are
 * reported as `text`, which the adapter reads as it is.
 */
class CatalogReadableClient extends pg.Client {
  // @ts-expect-error pg's overloads cannot be restated here; pg.Pool calls the callback form, the adapter the promise form.
  override query(config: pg.QueryConfig, valuesOrCallback?: unknown, callback?: QueryCallback): unknown {
    const done = (typeof valuesOrCallback === 'function' ? valuesOrCallback : callback) as QueryCallback | undefined;
    const values = typeof valuesOrCallback === 'function' ? undefined : (valuesOrCallback as unknown[] | undefined);
    const pending = (super.query(config, values) as Promise<pg.QueryResult>).then(reportCharAsText);
    if (!done) return pending;
    pending.then(
      (result) => done(null, result),
      (error: Error) => done(error),
    );
    return undefined;
  }
}
type QueryCallback = (error: Error | null, result?: pg.QueryResult) => void;

function reportCharAsText(result: pg.QueryResult): pg.QueryResult {
  for (const field of result.fields ?? []) if (field.dataTypeID === INTERNAL_CHAR_OID) field.dataTypeID = TEXT_OID;
  return result;
}
const INTERNAL_CHAR_OID = 18;
const TEXT_OID = 25;
