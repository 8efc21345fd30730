// phasegraph's configuration: read from the environment once at start, validated, then passed in.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PHASE_NAMES, PHASES, type PhaseSubgraphName } from '../phases';

/** Every subgraph of the supergraph besides the in-process workflow subgraph: identity, the phases', compat. */
export type SubgraphName = 'identity' | PhaseSubgraphName | 'compat';
export const SUBGRAPH_NAMES: readonly SubgraphName[] = ['identity', ...PHASE_NAMES.map((name) => PHASES[name].subgraph), 'compat'];

/** The development secrets used when none is configured (never in production). */
const DEV_JWT_SECRET = 'phasegraph-development-jwt-secret-change-me';
const DEV_SUBGRAPH_SECRET = 'phasegraph-development-subgraph-secret-change-me';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export interface Config {
  /** The gateway's port (0: any free port), or a standalone subgraph's. */
  port: number;
  host: string;
  /** A PostgreSQL server; without it the embedded database in `dataDir` is used. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Connections per subgraph on PostgreSQL. */
  databasePoolSize: number;
  /** On SIGTERM or SIGINT, how long requests in flight may take to finish before the process closes anyway. */
  shutdownTimeoutMs: number;
  /** At start, how long to wait for the database to answer before giving up (exit 1, one line saying why). */
  databaseWaitMs: number;
  /** How often each subgraph forgets idempotency keys past their retention (24 hours). */
  idempotencyKeySweepMs: number;
  /** The HS256 secret of phasegraph's own tokens (the demo's, tools', service accounts'); accepted beside a provider's. */
  jwtSecret: string;
  /** An identity provider whose tokens the gateway accepts too (`JWT_JWKS_URL`); unset: the shared secret's only. */
  identityProvider: IdentityProviderConfig | undefined;
  /** The secret the gateway signs forwarded identities with and subgraphs check. */
  subgraphSecret: string;
  /** Subgraphs served elsewhere (`<NAME>_SUBGRAPH_URL`); the others run inside the gateway's process. */
  subgraphUrls: Partial<Record<SubgraphName, string>>;
  logLevel: LogLevel;
  /** NODE_ENV=production: secrets are required and no demo data is seeded. */
  production: boolean;
  /** Answer every GraphQL request with the SQL statements it cost, in `x-phasegraph-sql-statements`. */
  reportSqlStatements: boolean;
  /** When a subscriber counts as too slow and its socket is closed (4008) to resume by cursor. */
  slowSubscriber: { queuedEvents: number; bufferedBytes: number };
  /** Browser origins allowed to call the gateway (CORS): `*` for any (never in production), else a list. */
  corsOrigins: '*' | string[];
  /** Whether the gateway answers introspection (Sandbox and GraphiQL need it). */
  introspection: boolean;
  /**
   * A persisted query manifest (`PERSISTED_DOCUMENTS`, Apollo's format): when set, the gateway runs only its operations
   * (trusted documents); unset, any operation within the limits.
   */
  persistedDocuments: string | undefined;
  /** The bounds the gateway holds every operation to before planning it. */
  operationLimits: { maxAliases: number; maxDepth: number; maxTokens: number; maxCost: number };
  /** Where the gateway serves GET /metrics instead of beside /graphql (`METRICS_PORT`); unset: beside /graphql. */
  metricsPort: number | undefined;
  /** Where spans are exported over OTLP (`OTEL_EXPORTER_OTLP_ENDPOINT`); unset: tracing is off. */
  tracing: { endpoint: string; protocol: 'http/protobuf' | 'http/json'; serviceName: string | undefined } | undefined;
  /** Messages about the configuration worth showing at start, e.g. development secrets in use. */
  warnings: string[];
}
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** An identity provider (Keycloak, Microsoft Entra ID, …): where its signing keys are, what its tokens must say. */
export interface IdentityProviderConfig {
  /** Where the provider publishes its public signing keys (a JWKS document). */
  jwksUrl: string;
  /** The `iss` every token must carry; unset: not checked (never in production). */
  issuer: string | undefined;
  /** The `aud` values accepted, any one of them; unset: not checked (never in production). */
  audience: string[] | undefined;
  /** Where the user's id, name, e-mail and roles are among the provider's claims: names or dotted paths. */
  claims: { subject: string; name: string; email: string; roles: string };
}

/** A claim's name, or a dotted path into nested claims (e.g. `realm_access.roles`). */
function claimPath() {
  return z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, 'must be a claim name or a dotted path such as realm_access.roles');
}

/** A comma-separated list, its entries trimmed and empty ones dropped. */
function commaList() {
  return z.string().transform((list) =>
    list
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
  );
}

const urlEnv = (name: SubgraphName) => `${name.toUpperCase().replaceAll('-', '_')}_SUBGRAPH_URL`;

const environment = z.object({
  NODE_ENV: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
    .optional(),
  PHASEGRAPH_DATA_DIR: z.string().min(1).default(path.join(repositoryRoot, '.phasegraph-data')),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(5),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  DATABASE_WAIT_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  IDEMPOTENCY_KEY_SWEEP_MS: z.coerce.number().int().min(100).max(86_400_000).default(3_600_000),
  JWT_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  JWT_JWKS_URL: z
    .string()
    .url()
    .regex(/^https?:\/\//, 'must be an http:// or https:// URL')
    .optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: commaList()
    .refine((audiences) => audiences.length > 0, 'must name at least one audience')
    .optional(),
  JWT_SUBJECT_CLAIM: claimPath().optional(),
  JWT_NAME_CLAIM: claimPath().optional(),
  JWT_EMAIL_CLAIM: claimPath().optional(),
  JWT_ROLES_CLAIM: claimPath().optional(),
  SUBGRAPH_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  REPORT_SQL_STATEMENTS: z.enum(['0', '1', 'true', 'false']).default('0'),
  SUBSCRIPTION_MAX_QUEUED_EVENTS: z.coerce.number().int().min(1).default(1_000),
  SUBSCRIPTION_MAX_BUFFERED_BYTES: z.coerce
    .number()
    .int()
    .min(1_024)
    .default(4 * 1024 * 1024),
  CORS_ORIGINS: commaList()
    .refine(
      (origins) => origins.every((origin) => origin === '*' || isOrigin(origin)),
      'must be `*` or comma-separated origins such as https://app.example.com',
    )
    .optional(),
  INTROSPECTION: z.enum(['on', 'off']).default('on'),
  PERSISTED_DOCUMENTS: z.string().min(1).optional(),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(1).default(30),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(1).default(15),
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(1).default(5_000),
  GRAPHQL_MAX_COST: z.coerce.number().int().min(1).default(10_000),
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .string()
    .url()
    .regex(/^https?:\/\//, 'must be an http:// or https:// URL (OTLP over HTTP)')
    .optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/protobuf', 'http/json']).default('http/protobuf'),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [urlEnv(name), z.string().url().optional()])),
});

/** Reads and validates the configuration; throws a ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environment.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const values = parsed.data as z.infer<typeof environment> & Record<string, string | undefined>;
  const production = values.NODE_ENV === 'production';
  const warnings: string[] = [];
  const secret = (name: 'JWT_SECRET' | 'SUBGRAPH_SECRET', fallback: string) => {
    const value = values[name];
    if (value) return value;
    if (production) throw new ConfigError([`${name}: required when NODE_ENV=production`]);
    warnings.push(`${name} is not set: using the public development default. Set it before exposing phasegraph.`);
    return fallback;
  };
  const identityProvider = identityProviderOf(values, production, warnings);
  const corsOrigins = values.CORS_ORIGINS ?? (production ? [] : ['*']);
  if (production && corsOrigins.includes('*')) {
    throw new ConfigError(['CORS_ORIGINS: `*` is not allowed when NODE_ENV=production; list the origins of the apps that call phasegraph']);
  }
  return {
    port: values.PORT,
    host: values.HOST,
    databaseUrl: values.DATABASE_URL,
    dataDir: values.PHASEGRAPH_DATA_DIR,
    databasePoolSize: values.DATABASE_POOL_SIZE,
    shutdownTimeoutMs: values.SHUTDOWN_TIMEOUT_MS,
    databaseWaitMs: values.DATABASE_WAIT_MS,
    idempotencyKeySweepMs: values.IDEMPOTENCY_KEY_SWEEP_MS,
    jwtSecret: secret('JWT_SECRET', DEV_JWT_SECRET),
    identityProvider,
    subgraphSecret: secret('SUBGRAPH_SECRET', DEV_SUBGRAPH_SECRET),
    subgraphUrls: Object.fromEntries(SUBGRAPH_NAMES.flatMap((name) => (values[urlEnv(name)] ? [[name, values[urlEnv(name)]]] : []))),
    logLevel: values.LOG_LEVEL,
    production,
    reportSqlStatements: values.REPORT_SQL_STATEMENTS === '1' || values.REPORT_SQL_STATEMENTS === 'true',
    slowSubscriber: { queuedEvents: values.SUBSCRIPTION_MAX_QUEUED_EVENTS, bufferedBytes: values.SUBSCRIPTION_MAX_BUFFERED_BYTES },
    corsOrigins: corsOrigins.includes('*') ? '*' : corsOrigins,
    introspection: values.INTROSPECTION === 'on',
    persistedDocuments: values.PERSISTED_DOCUMENTS,
    operationLimits: {
      maxAliases: values.GRAPHQL_MAX_ALIASES,
      maxDepth: values.GRAPHQL_MAX_DEPTH,
      maxTokens: values.GRAPHQL_MAX_TOKENS,
      maxCost: values.GRAPHQL_MAX_COST,
    },
    metricsPort: values.METRICS_PORT,
    tracing: values.OTEL_EXPORTER_OTLP_ENDPOINT
      ? { endpoint: values.OTEL_EXPORTER_OTLP_ENDPOINT, protocol: values.OTEL_EXPORTER_OTLP_PROTOCOL, serviceName: values.OTEL_SERVICE_NAME }
      : undefined,
    warnings,
  };
}

/** The settings that map a provider's claims; each defaults to the claim of phasegraph's own tokens. */
const CLAIM_SETTINGS = [
  ['JWT_SUBJECT_CLAIM', 'subject', 'sub'],
  ['JWT_NAME_CLAIM', 'name', 'name'],
  ['JWT_EMAIL_CLAIM', 'email', 'email'],
  ['JWT_ROLES_CLAIM', 'roles', 'roles'],
] as const;

/**
 * The identity provider `JWT_JWKS_URL` names, if any. Its settings mean nothing without it, and are refused then, so
 * that nobody believes `JWT_ISSUER` guards the shared secret's tokens. In production the keys must come over HTTPS
 * (whoever can change them in transit can sign as anyone) and the issuer and audience must be checked (else a token
 * the provider issued to any other application, or any tenant sharing its keys, would be accepted here).
 */
function identityProviderOf(values: z.infer<typeof environment>, production: boolean, warnings: string[]): IdentityProviderConfig | undefined {
  const jwksUrl = values.JWT_JWKS_URL;
  if (!jwksUrl) {
    const orphans = (['JWT_ISSUER', 'JWT_AUDIENCE', ...CLAIM_SETTINGS.map(([name]) => name)] as const).filter((name) => values[name] !== undefined);
    if (orphans.length) throw new ConfigError(orphans.map((name) => `${name}: only meaningful with JWT_JWKS_URL (it concerns an identity provider's tokens)`));
    return undefined;
  }
  const problems: string[] = [];
  if (production && !jwksUrl.startsWith('https://')) problems.push('JWT_JWKS_URL: must be an https:// URL when NODE_ENV=production');
  for (const name of ['JWT_ISSUER', 'JWT_AUDIENCE'] as const) {
    if (values[name] !== undefined) continue;
    const unchecked = `${name}: not set, so the ${name === 'JWT_ISSUER' ? 'issuer (iss)' : 'audience (aud)'} of provider tokens is not checked`;
    if (production) problems.push(`${unchecked}; required when NODE_ENV=production`);
    else warnings.push(`${unchecked}. Set it before exposing phasegraph.`);
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    jwksUrl,
    issuer: values.JWT_ISSUER,
    audience: values.JWT_AUDIENCE,
    claims: Object.fromEntries(CLAIM_SETTINGS.map(([name, key, fallback]) => [key, values[name] ?? fallback])) as IdentityProviderConfig['claims'],
  };
}

/** Whether `text` is a web origin: scheme, host and port only, e.g. https://app.example.com. */
function isOrigin(text: string): boolean {
  try {
    return new URL(text).origin === text;
  } catch {
    return false;
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}
