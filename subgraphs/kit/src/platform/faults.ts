// Faults of the platform rather than of the request: the database restarting or out of reach, a connection cut, a
// serialization failure or deadlock, a pool with no connection to give. Recognised here and nowhere else; a
// transaction that failed with one before it committed is run again, and what remains is answered
// SERVICE_UNAVAILABLE with `retryable: true`, never as an internal error.
import { setTimeout as delay } from 'node:timers/promises';
import type { Prisma, PrismaClient } from '@phasegraph/db';
import { GraphQLError } from 'graphql';
import { ErrorCode } from './errors';

/** SQLSTATEs of a fault that goes away: the server shutting down or starting, too many connections, a conflict. */
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01']);
/** Prisma's codes for the same: unreachable, connection closed, pool timeout, transaction API, write conflict. */
const TRANSIENT_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1017', 'P2024', 'P2028', 'P2034']);
/** The driver adapter's kinds for the same. */
const TRANSIENT_KINDS = new Set(['TransactionWriteConflict', 'TooManyConnections', 'DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout']);
/** Socket errors of a lost or refused connection. */
const TRANSIENT_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);
/** What the driver and Prisma say when they have no code to give. */
const TRANSIENT_MESSAGE =
  /Unable to start a transaction in the given time|has encountered a connection error|Connection terminated|terminating connection|the database system is (?:shutting down|starting up|in recovery|not yet accepting connections)|Client has already been closed|Connection ended unexpectedly|timeout exceeded when trying to connect|Transaction already closed|could not serialize access|deadlock detected/i;

/** Whether `error`, or anything it wraps, is a transient fault of the database rather than of the request. */
export function isTransientFault(error: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): boolean => {
    if (value === null || typeof value !== 'object' || seen.has(value) || depth > 8) return false;
    seen.add(value);
    const fields = value as Record<string, unknown>;
    for (const code of [fields.code, fields.originalCode]) {
      if (typeof code !== 'string') continue;
      if (TRANSIENT_SQLSTATES.has(code) || code.startsWith('08') || TRANSIENT_PRISMA_CODES.has(code) || TRANSIENT_SOCKET_CODES.has(code)) return true;
    }
    if (typeof fields.kind === 'string' && TRANSIENT_KINDS.has(fields.kind)) return true;
    if (typeof fields.message === 'string' && TRANSIENT_MESSAGE.test(fields.message)) return true;
    if (value instanceof GraphQLError && value.extensions.code) return false; // phasegraph's own, or a subgraph's answer
    return [fields.cause, fields.originalError, fields.meta, fields.driverAdapterError, ...(Array.isArray(fields.errors) ? fields.errors : [])].some((inner) =>
      visit(inner, depth + 1),
    );
  };
  return visit(error, 0);
}

/** What the client is told when a transient fault outlasted the server's own retries. */
export function unavailable(outcome: 'NOT_STORED' | 'UNKNOWN' | 'READ'): GraphQLError {
  const message = {
    NOT_STORED: 'The database is unavailable for the moment; nothing was stored. Retry.',
    UNKNOWN:
      'The connection to the database was lost while the change was committing, so it may or may not be stored. Retry with the same idempotencyKey to find out safely.',
    READ: 'The database is unavailable for the moment. Retry.',
  }[outcome];
  return new GraphQLError(message, { extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, retryable: true } });
}

export interface TransactionOptions {
  /** How long to wait for a connection, and how long the transaction may run (Prisma's `maxWait` and `timeout`). */
  maxWait?: number;
  timeout?: number;
  /**
   * Whether the work may be run again even when the first run may have committed (the connection was lost during
   * COMMIT): true when it is guarded by an idempotency key, so a second run finds the first one's record.
   */
  safeToRepeat?: boolean;
}

/** How many times a transaction is run at most, and how long its retries may take in all. */
export const TRANSIENT_RETRY = { attempts: 4, budgetMs: 3_000, firstDelayMs: 40 };

/**
 * Runs `work` in one interactive transaction. A transient fault before the commit is retried (a few times, with full
 * jitter, within TRANSIENT_RETRY's budget): nothing of that transaction was stored. A fault during the commit has an
 * unknown outcome, and is retried only when `safeToRepeat`. What remains is SERVICE_UNAVAILABLE, `retryable: true`.
 */
export async function runTransaction<T>(
  prisma: PrismaClient,
  work: (tx: Prisma.TransactionClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    let committing = false;
    try {
      return await prisma.$transaction(
        async (tx) => {
          const result = await work(tx);
          committing = true;
          return result;
        },
        { ...(options.maxWait ? { maxWait: options.maxWait } : {}), ...(options.timeout ? { timeout: options.timeout } : {}) },
      );
    } catch (error) {
      if (!isTransientFault(error)) throw error;
      const repeatable = !committing || options.safeToRepeat === true;
      const pause = Math.random() * TRANSIENT_RETRY.firstDelayMs * 2 ** (attempt - 1);
      if (!repeatable || attempt >= TRANSIENT_RETRY.attempts || Date.now() + pause - started > TRANSIENT_RETRY.budgetMs) {
        throw withCause(unavailable(committing ? 'UNKNOWN' : 'NOT_STORED'), error);
      }
      await delay(pause);
    }
  }
}

function withCause(error: GraphQLError, cause: unknown): GraphQLError {
  return Object.assign(error, { cause });
}
