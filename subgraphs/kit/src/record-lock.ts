// Serialising every change to one record across transactions and processes: a transaction-scoped advisory lock on a
// key, which (unlike a row lock) works before the record's first row exists.
import type { Prisma } from '@phasegraph/db';

/** Holds the lock on `key` until the transaction `tx` ends; other transactions locking the same key wait. */
export async function lockRecord(tx: Prisma.TransactionClient, key: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
}

/**
 * Holds the locks on every key until `tx` ends, in one statement. Keys are taken in sorted order, so two transactions
 * locking overlapping sets cannot deadlock on each other.
 */
export async function lockRecords(tx: Prisma.TransactionClient, keys: readonly string[]): Promise<void> {
  const sorted = [...new Set(keys)].sort();
  if (sorted.length === 1) return lockRecord(tx, sorted[0]!);
  await tx.$queryRaw`
    SELECT count(pg_advisory_xact_lock(hashtextextended(key, 0))) AS locked
    FROM (SELECT key FROM unnest(${sorted}::text[]) WITH ORDINALITY AS keys(key, n) ORDER BY n) ordered`;
}
