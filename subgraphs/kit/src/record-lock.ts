// Serialising every change to one record across transactions and processes: a transaction-scoped advisory lock on a
// key, which (unlike a row lock) works before the record's first row exists.
import type { Prisma } from '@phasegraph/db';

/** Holds the lock on `key` until the transaction `tx` ends; other transactions locking the same key wait. */
export async function lockRecord(tx: Prisma.TransactionClient, key: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
}
