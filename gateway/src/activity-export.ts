// GET /export/activity.csv?cycleId=…&reportId=…[&phase=…]: a report's activity (as the `activity` query lists it,
// newest first) as CSV for auditors' evidence files. It is streamed a batch of rows at a time, waiting for the client
// to take each batch, so a report of any length costs the gateway one batch of memory. The same bearer token as for
// GraphQL is required. Cells are quoted as RFC 4180 says, and none starts as a spreadsheet formula.
import { once } from 'node:events';
import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import {
  ErrorCode,
  PHASE_NAMES,
  REQUEST_ID_HEADER,
  isTransientFault,
  requireUuid,
  unavailable,
  type Identity,
  type Logger,
  type PhaseName,
  type SubgraphClient,
} from '@phasegraph/kit';
import { GraphQLError } from 'graphql';
import type { ActivityLog, ActivityRow, ActivityScope } from './events/activity-log';

export const ACTIVITY_EXPORT_PATH = '/export/activity.csv';

/** The columns, in order (the contract's). */
export const ACTIVITY_CSV_COLUMNS = ['at', 'type', 'phase', 'versionId', 'versionNumber', 'itemId', 'actorId', 'actorName', 'details'] as const;

/** Rows read (and written) at a time. */
const BATCH_SIZE = 1_000;
/** The most actor names remembered during one export; past it the memory starts over. */
const MAX_REMEMBERED_ACTORS = 10_000;

/** The names of users, by id, from the identity subgraph. */
const ACTOR_NAMES = 'query ActorNames($representations: [_Any!]!) { users: _entities(representations: $representations) { ... on User { id name } } }';

export interface ActivityExportOptions {
  activity: ActivityLog;
  /** The caller's identity from the Authorization header, as for GraphQL: null without a token, and throws for a bad one. */
  authenticate: (authorization: string | undefined) => Promise<Identity | null>;
  identity: SubgraphClient;
  logger: Logger;
}

/** The route serving the export. */
export function activityExport(options: ActivityExportOptions) {
  const logger = options.logger.child({ component: 'activity-export' });
  return async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    response.setHeader(REQUEST_ID_HEADER, requestId);
    if (request.method !== 'GET') {
      response.setHeader('allow', 'GET');
      return refuse(response, 405, 'BAD_REQUEST', `${ACTIVITY_EXPORT_PATH} is read with GET.`);
    }
    let caller: Identity | null;
    try {
      caller = await options.authenticate(request.headers.authorization);
    } catch (error) {
      const code = error instanceof GraphQLError ? error.extensions.code : undefined;
      if (code === ErrorCode.UNAUTHENTICATED) return refuse(response, 401, code, (error as Error).message);
      if (code === ErrorCode.SERVICE_UNAVAILABLE) return refuse(response, 503, code, (error as Error).message, { retryable: true });
      throw error;
    }
    if (!caller) return refuse(response, 401, ErrorCode.UNAUTHENTICATED, 'Sign in: send `Authorization: Bearer <token>`, as for GraphQL.');
    let scope: ActivityScope;
    try {
      scope = scopeOf(new URL(request.url ?? '/', 'http://localhost').searchParams);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      return refuse(response, 400, ErrorCode.BAD_USER_INPUT, error.message, { argument: error.extensions.argument });
    }
    const names = actorNames(options.identity, caller, requestId);
    const rows = options.activity.batches(scope, BATCH_SIZE)[Symbol.asyncIterator]();
    let batch: IteratorResult<ActivityRow[]>;
    try {
      // The first batch is read before the answer starts: a failure then still gets an error status, not a cut file.
      batch = await rows.next();
    } catch (error) {
      if (!isTransientFault(error)) throw error;
      logger.warn('database unavailable', { requestId, error: error instanceof Error ? error.message : String(error) });
      const { message, extensions } = unavailable('READ');
      return refuse(response, 503, ErrorCode.SERVICE_UNAVAILABLE, message, { retryable: extensions.retryable });
    }
    response.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8; header=present',
      'content-disposition': `attachment; filename="activity-${scope.cycleId}-${scope.reportId}.csv"`,
      'cache-control': 'no-store',
    });
    try {
      if (!(await send(response, csvRow(ACTIVITY_CSV_COLUMNS)))) return void (await rows.return?.(undefined));
      for (; !batch.done; batch = await rows.next()) {
        const named = await names(batch.value);
        const text = batch.value.map((row) => csvRow(csvCellsOf(row, named.get(row.actorId) ?? null))).join('');
        if (!(await send(response, text))) return void (await rows.return?.(undefined));
      }
      response.end();
    } catch (error) {
      // Too late for an error status: the transfer is cut short, so the client knows the file is incomplete.
      logger.error('activity export failed', { requestId, error: error instanceof Error ? error.message : String(error) });
      response.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  };
}

/** The export's scope from the query string: a cycle and report (UUIDs), optionally a phase. */
function scopeOf(parameters: URLSearchParams): ActivityScope {
  const phase = parameters.get('phase');
  if (phase !== null && !(PHASE_NAMES as readonly string[]).includes(phase)) {
    throw new GraphQLError(`phase must be one of ${PHASE_NAMES.join(', ')}.`, { extensions: { code: ErrorCode.BAD_USER_INPUT, argument: 'phase' } });
  }
  return {
    cycleId: requireUuid(parameters.get('cycleId') ?? '', 'cycleId'),
    reportId: requireUuid(parameters.get('reportId') ?? '', 'reportId'),
    phase: phase as PhaseName | null,
  };
}

/** The columns of one row, in ACTIVITY_CSV_COLUMNS' order. */
function csvCellsOf(row: ActivityRow, actorName: string | null): (string | number | null)[] {
  return [row.at.toISOString(), row.type, row.phase, row.versionId, row.versionNumber, row.itemId, row.actorId, actorName, row.details];
}

/** One CSV record: its cells, quoted where RFC 4180 asks, and the CRLF that ends it. */
export function csvRow(cells: readonly (string | number | null)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/**
 * One cell. Text that a spreadsheet would take for a formula (starting with =, +, -, @, a tab or a carriage return)
 * is prefixed with a single quote, so that opening the file runs nothing; text holding a comma, a quote or a line
 * break is quoted, its quotes doubled (RFC 4180). Null is an empty cell.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Looks up the actors of each batch in one call to the identity subgraph, as the caller, remembering the names for
 * the batches that follow. An actor the identity subgraph does not know has no name (an empty cell).
 */
function actorNames(identity: SubgraphClient, caller: Identity, requestId: string) {
  const known = new Map<string, string | null>();
  return async (rows: readonly ActivityRow[]): Promise<Map<string, string | null>> => {
    const missing = [...new Set(rows.map((row) => row.actorId))].filter((id) => !known.has(id));
    if (missing.length > 0) {
      if (known.size + missing.length > MAX_REMEMBERED_ACTORS) known.clear();
      const { users } = await identity.request<{ users: ({ id: string; name: string } | null)[] }>(
        ACTOR_NAMES,
        { representations: missing.map((id) => ({ __typename: 'User', id })) },
        caller,
        { requestId },
      );
      missing.forEach((id, i) => known.set(id, users[i]?.name ?? null));
    }
    return known;
  };
}

/** Writes `text`; once the socket's buffer is full, waits until the client has taken it. False if the client left. */
async function send(response: http.ServerResponse, text: string): Promise<boolean> {
  if (response.destroyed) return false;
  if (response.write(text)) return true;
  const stop = new AbortController();
  try {
    return await Promise.race([
      once(response, 'drain', { signal: stop.signal }).then(() => true),
      once(response, 'close', { signal: stop.signal }).then(() => false),
    ]);
  } finally {
    stop.abort();
  }
}

function refuse(response: http.ServerResponse, status: number, code: string, message: string, extensions: Record<string, unknown> = {}): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
  });
  response.end(JSON.stringify({ errors: [{ message, extensions: { code, ...extensions } }] }));
}
