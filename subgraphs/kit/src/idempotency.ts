// Idempotency keys: a caller may send `idempotencyKey` with any mutation that writes, and repeat the call (after a
// lost answer, a timeout, SERVICE_UNAVAILABLE) as often as it likes: the write happens once, and every repeat is
// answered with what the first call wrote. One place serves every phase, identity and the legacy writes.
//
// The key is claimed in the write's own transaction, before the write: a concurrent call with the same key waits on
// the claim (the table's primary key) until the first commits, then finds it; if the first rolled back, the claim is
// free again. Keys are kept IDEMPOTENCY_KEY_RETENTION_MS, then forgotten.
import { createHash } from 'node:crypto';
import type { Prisma, PrismaClient } from '@phasegraph/db';
import { textProblem } from './input-limits';
import { badUserInput, conflict } from './platform/errors';
import { runTransaction, type TransactionOptions } from './platform/faults';
import type { Logger } from './platform/log';

/** How long a key is kept: a repeat after that is a new call. */
export const IDEMPOTENCY_KEY_RETENTION_MS = 24 * 60 * 60 * 1000;
const MAX_KEY_LENGTH = 255;
/** Whether `text` holds a control character (C0, DEL or C1): not printable. */
const hasControl = (text: string) => [...text].some((character) => character < ' ' || (character >= '\u007f' && character <= '\u009f'));

/** A call made under a key: who made it, which mutation, and a fingerprint of its arguments. */
export interface IdempotentCall {
  callerId: string;
  mutation: string;
  key: string;
  fingerprint: string;
}

/**
 * The call `key` names, with the arguments it was made with; null without a key (then nothing changes). `checked` is
 * the arguments as the resolver checked them, not as they came: every optional one present (null when not given),
 * defaults applied, ids in the one case they are stored in, lists whose order means nothing in one order. So two
 * spellings of one call (an argument null or left out, `items: []` or none, an id in capitals) are the same call,
 * while a null inside a JSON value is part of the value.
 */
export function idempotentCall(callerId: string, mutation: string, key: string | null | undefined, checked: object): IdempotentCall | null {
  if (key === null || key === undefined) return null;
  // Refused rather than stored: a lone surrogate would reach the database as U+FFFD, so two keys would be one.
  if (key.length < 1 || textProblem(key, MAX_KEY_LENGTH) !== null || hasControl(key)) {
    throw badUserInput(`idempotencyKey must be 1 to ${MAX_KEY_LENGTH} printable characters; a UUID per intended write is the advice.`, {
      argument: 'idempotencyKey',
    });
  }
  return { callerId, mutation, key, fingerprint: fingerprint(checked) };
}

/** SHA-256 of `value` as canonical JSON: object keys sorted (a member that is undefined is left out, as JSON does). */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, inner]) => inner !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([name, inner]) => `${JSON.stringify(name)}:${canonicalJson(inner)}`).join(',')}}`;
}

/** What a repeated call is answered with: the id of what the first one wrote. */
class Repeat {
  constructor(readonly repeatOf: string) {}
}

/** How a write under an idempotency key names what it wrote, and reads that back to answer a repeated call. */
export interface Once<T> {
  /** The call, with its key; null for a call without one. */
  call: IdempotentCall | null;
  idOf: (result: T) => string;
  replay: (id: string) => Promise<T>;
}

/**
 * Runs `work` in one transaction (see runTransaction), under `once`'s key when there is one: the first call writes and
 * records `idOf` its result with the key; a repeat with the same arguments writes nothing and is answered with
 * `replay` of that id; a repeat with other arguments is CONFLICT (`reason: IDEMPOTENCY_KEY_REUSED`). Under a key the
 * server may also run the transaction again after a connection lost during its commit: a second run finds the first.
 */
export async function writeOnce<T>(
  prisma: PrismaClient,
  work: (tx: Prisma.TransactionClient) => Promise<T>,
  once: Once<T> | null,
  options: TransactionOptions = {},
): Promise<T> {
  const call = once?.call;
  if (!once || !call) return runTransaction(prisma, work, options);
  const outcome = await runTransaction<T | Repeat>(
    prisma,
    async (tx) => {
      const repeatOf = await claim(tx, call);
      if (repeatOf) return new Repeat(repeatOf);
      const result = await work(tx);
      await tx.$executeRaw`
        UPDATE events.idempotency_keys SET record_id = ${once.idOf(result)}
        WHERE caller_id = ${call.callerId}::uuid AND mutation = ${call.mutation} AND key = ${call.key}`;
      return result;
    },
    { ...options, safeToRepeat: true },
  );
  return outcome instanceof Repeat ? once.replay(outcome.repeatOf) : outcome;
}

/**
 * Claims `call`'s key in `tx`; returns null when it is this call's to write, or the id the first call wrote. Waits,
 * on the primary key, for a concurrent first call to commit or roll back.
 */
async function claim(tx: Prisma.TransactionClient, call: IdempotentCall): Promise<string | null> {
  for (;;) {
    const claimed = await tx.$executeRaw`
      INSERT INTO events.idempotency_keys (caller_id, mutation, key, fingerprint)
      VALUES (${call.callerId}::uuid, ${call.mutation}, ${call.key}, ${call.fingerprint})
      ON CONFLICT DO NOTHING`;
    if (claimed === 1) return null;
    const [first] = await tx.$queryRaw<{ fingerprint: string; recordId: string | null; expired: boolean }[]>`
      SELECT fingerprint, record_id AS "recordId", created_at < now() - make_interval(secs => ${IDEMPOTENCY_KEY_RETENTION_MS / 1000}) AS expired
      FROM events.idempotency_keys
      WHERE caller_id = ${call.callerId}::uuid AND mutation = ${call.mutation} AND key = ${call.key}`;
    if (!first) continue; // forgotten in between: claim it again
    if (first.expired) {
      await tx.$executeRaw`
        DELETE FROM events.idempotency_keys
        WHERE caller_id = ${call.callerId}::uuid AND mutation = ${call.mutation} AND key = ${call.key}`;
      continue;
    }
    if (first.fingerprint !== call.fingerprint) {
      throw conflict(`idempotencyKey ${JSON.stringify(call.key)} was used for a ${call.mutation} with other arguments.`, {
        reason: 'IDEMPOTENCY_KEY_REUSED',
        argument: 'idempotencyKey',
      });
    }
    if (!first.recordId) throw new Error(`idempotency key ${call.key} of ${call.mutation} was committed without its record`);
    return first.recordId;
  }
}

/** Forgets keys older than the retention; returns how many. */
export async function forgetExpiredKeys(prisma: PrismaClient, now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - IDEMPOTENCY_KEY_RETENTION_MS);
  return prisma.$executeRaw`DELETE FROM events.idempotency_keys WHERE created_at < ${before}`;
}

/** The sweep of each database in this process and how many subgraphs use it (all share the one table). */
const sweeps = new WeakMap<object, { users: number; stop: () => void }>();

/**
 * Forgets expired keys every `everyMs` (IDEMPOTENCY_KEY_SWEEP_MS, an hour by default), the first time at a random
 * moment within that period (so that processes restarted together spread their sweeps). One sweep per `database`
 * in a process, however many of its subgraphs ask: the keys are in one table. Returns how to stop using it; the
 * sweep stops when the last user does.
 */
export function sweepExpiredKeys(database: object, prisma: PrismaClient, everyMs: number, logger: Logger): () => void {
  const running = sweeps.get(database) ?? startSweeping(prisma, everyMs, logger);
  running.users += 1;
  sweeps.set(database, running);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    running.users -= 1;
    if (running.users > 0) return;
    running.stop();
    sweeps.delete(database);
  };
}

function startSweeping(prisma: PrismaClient, everyMs: number, logger: Logger): { users: number; stop: () => void } {
  const sweep = () =>
    void forgetExpiredKeys(prisma).then(
      (count) => count > 0 && logger.info('forgot expired idempotency keys', { count }),
      (error: unknown) => logger.warn('could not forget expired idempotency keys', { error: error instanceof Error ? error.message : String(error) }),
    );
  let timer = setTimeout(() => {
    sweep();
    timer = setInterval(sweep, everyMs).unref();
  }, Math.random() * everyMs).unref();
  return { users: 0, stop: () => clearTimeout(timer) };
}
