// The version event log's write side: the kit appends an event in the same transaction as each change, and
// notifies listeners, who hear of it only once it commits (PostgreSQL delivers notifications at commit).
import type { Prisma } from '@phasegraph/db';
import type { PhaseName } from './phases';

export type VersionEventType = 'CREATED' | 'APPROVED' | 'REJECTED' | 'SUPERSEDED';

/** The channel `pg_notify` signals on after an event commits; the payload is empty, listeners read the log. */
export const VERSION_EVENTS_CHANNEL = 'phasegraph_version_events';

export interface NewVersionEvent {
  type: VersionEventType;
  phase: PhaseName;
  versionId: string;
  versionNumber: number | null;
  cycleId: string;
  reportId: string;
  actorId: string;
  at: Date;
}

/**
 * Appends `events` in transaction `tx`. The event log's lock is taken first and held until commit, so event ids
 * (the cursors clients resume from) are assigned in commit order: a reader that has seen id n can never later
 * find a committed event below n.
 */
export async function recordVersionEvents(tx: Prisma.TransactionClient, events: NewVersionEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(${EVENT_LOG_LOCK[0]}::int, ${EVENT_LOG_LOCK[1]}::int)`;
  await tx.versionEvent.createMany({ data: events });
  await tx.$queryRaw`SELECT 1 AS notified FROM pg_notify(${VERSION_EVENTS_CHANNEL}, '')`;
}

/** The two-key advisory lock of the event log (a key space apart from the per-record single-key locks). */
const EVENT_LOG_LOCK = [0x70686173, 1] as const;
