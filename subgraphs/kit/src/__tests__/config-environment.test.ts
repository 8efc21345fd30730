// The rest of the README's configuration table (config.test.ts covers the operation limits, CORS and introspection):
// where each subgraph runs, the database, the secrets, logging and subscribers, and that every bad value stops the
// process with a message naming the variable.
import path from 'node:path';
import { ConfigError, loadConfig, SUBGRAPH_NAMES } from '../platform/config';

const secrets = { JWT_SECRET: 'a-jwt-secret-of-16-chars-or-more', SUBGRAPH_SECRET: 'a-subgraph-secret-of-16-chars-or-more' };

/** The problems a ConfigError lists for `env`. */
function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('where the subgraphs run', () => {
  it('runs every subgraph in the gateway’s process unless its URL is set', () => {
    expect(loadConfig({}).subgraphUrls).toEqual({});
  });

  it('reads <NAME>_SUBGRAPH_URL for every subgraph, dashes as underscores', () => {
    const env = Object.fromEntries(
      SUBGRAPH_NAMES.map((name, i) => [`${name.toUpperCase().replaceAll('-', '_')}_SUBGRAPH_URL`, `http://10.0.0.${i}:4001/graphql`]),
    );
    expect(env.DATA_OWNER_ID_SUBGRAPH_URL).toBeDefined();
    expect(loadConfig(env).subgraphUrls).toEqual(Object.fromEntries(SUBGRAPH_NAMES.map((name, i) => [name, `http://10.0.0.${i}:4001/graphql`])));
  });

  it('takes an empty URL as unset: that subgraph runs in process', () => {
    expect(loadConfig({ PLANNING_SUBGRAPH_URL: '', SCOPING_SUBGRAPH_URL: 'http://scoping:4001/graphql' }).subgraphUrls).toEqual({
      scoping: 'http://scoping:4001/graphql',
    });
  });

  it('refuses a subgraph URL that is not a URL, naming its variable', () => {
    expect(problemsOf({ SAMPLE_SELECTION_SUBGRAPH_URL: 'the sample selection host' })).toEqual([expect.stringMatching(/^SAMPLE_SELECTION_SUBGRAPH_URL: /)]);
  });
});

describe('defaults', () => {
  it('listens on 127.0.0.1:4000 with the embedded database in the checkout, and logs at info', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, host: '127.0.0.1', databaseUrl: undefined, databasePoolSize: 5, logLevel: 'info', production: false });
    expect(path.basename(config.dataDir)).toBe('.phasegraph-data');
    expect(config.reportSqlStatements).toBe(false);
    expect(config.slowSubscriber).toEqual({ queuedEvents: 1_000, bufferedBytes: 4 * 1024 * 1024 });
  });

  it('takes an empty value as unset', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: '', DATABASE_URL: '', GRAPHQL_MAX_DEPTH: '' })).toMatchObject({
      port: 4000,
      logLevel: 'info',
      databaseUrl: undefined,
      operationLimits: { maxDepth: 15 },
    });
  });

  it('uses the public development secrets outside production, and says so', () => {
    const config = loadConfig({});
    expect(config.jwtSecret.length).toBeGreaterThanOrEqual(16);
    expect(config.subgraphSecret).not.toBe(config.jwtSecret);
    expect(config.warnings).toEqual([expect.stringMatching(/^JWT_SECRET is not set/), expect.stringMatching(/^SUBGRAPH_SECRET is not set/)]);
    expect(loadConfig(secrets).warnings).toEqual([]);
  });
});

describe('values read from the environment', () => {
  it('reads the server, the database and logging', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://app@db:5432/phasegraph',
      PHASEGRAPH_DATA_DIR: '/var/lib/phasegraph',
      DATABASE_POOL_SIZE: '20',
      LOG_LEVEL: 'silent',
      ...secrets,
    });
    expect(config).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      databaseUrl: 'postgres://app@db:5432/phasegraph',
      dataDir: '/var/lib/phasegraph',
      databasePoolSize: 20,
      logLevel: 'silent',
      jwtSecret: secrets.JWT_SECRET,
      subgraphSecret: secrets.SUBGRAPH_SECRET,
    });
  });

  it.each([
    ['1', true],
    ['true', true],
    ['0', false],
    ['false', false],
  ])('reads REPORT_SQL_STATEMENTS=%s as %s', (value, expected) => {
    expect(loadConfig({ REPORT_SQL_STATEMENTS: value }).reportSqlStatements).toBe(expected);
  });

  it('reads when a subscriber is too slow', () => {
    expect(loadConfig({ SUBSCRIPTION_MAX_QUEUED_EVENTS: '10', SUBSCRIPTION_MAX_BUFFERED_BYTES: '1024' }).slowSubscriber).toEqual({
      queuedEvents: 10,
      bufferedBytes: 1_024,
    });
  });
});

describe('refusals', () => {
  it.each([
    ['PORT', '65536'],
    ['PORT', '-1'],
    ['PORT', 'http'],
    ['DATABASE_URL', 'mysql://db/phasegraph'],
    ['DATABASE_URL', 'db:5432'],
    ['DATABASE_POOL_SIZE', '0'],
    ['DATABASE_POOL_SIZE', '101'],
    ['JWT_SECRET', 'too-short'],
    ['SUBGRAPH_SECRET', 'too-short'],
    ['LOG_LEVEL', 'verbose'],
    ['REPORT_SQL_STATEMENTS', 'yes'],
    ['SUBSCRIPTION_MAX_QUEUED_EVENTS', '0'],
    ['SUBSCRIPTION_MAX_BUFFERED_BYTES', '1023'],
    ['GRAPHQL_MAX_DEPTH', '2.5'],
    ['GRAPHQL_MAX_TOKENS', '-5'],
    ['GRAPHQL_MAX_ALIASES', 'many'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(problemsOf({ [name]: value })).toEqual([expect.stringMatching(new RegExp(`^${name}: `))]);
  });

  it('lists every problem at once, in a message that starts with what is wrong', () => {
    const env = { PORT: 'http', LOG_LEVEL: 'verbose', GRAPHQL_MAX_COST: '0' };
    expect(
      problemsOf(env)
        .map((problem) => problem.split(':')[0])
        .sort(),
    ).toEqual(['GRAPHQL_MAX_COST', 'LOG_LEVEL', 'PORT']);
    expect(() => loadConfig(env)).toThrow(/^Invalid configuration:\n {2}/);
  });

  it('requires both secrets in production, naming the one missing', () => {
    expect(problemsOf({ NODE_ENV: 'production', SUBGRAPH_SECRET: secrets.SUBGRAPH_SECRET })).toEqual(['JWT_SECRET: required when NODE_ENV=production']);
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: secrets.JWT_SECRET })).toEqual(['SUBGRAPH_SECRET: required when NODE_ENV=production']);
    expect(loadConfig({ NODE_ENV: 'production', ...secrets })).toMatchObject({ production: true, warnings: [] });
  });
});
