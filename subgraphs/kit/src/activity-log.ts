// The write side of a report's activity besides its versions' changes (those are the version event log's): decision
// reviews, owner assignments and legacy-shaped writes. The kit appends each in the transaction of the change it
// records, so that the two commit together or not at all; the gateway reads them with the version events as the
// report's activity. No subscription follows them, so nothing is woken.
import type { Prisma } from '@phasegraph/db';
import type { PhaseName } from './phases';

/** What happened; the version events add CREATED, APPROVED, REJECTED and SUPERSEDED. */
export type ActivityType = 'DECISION_REVIEWED' | 'OWNER_ASSIGNED' | 'LEGACY_WRITE';

/** One thing that happened to a report; what it does not concern (a phase, a cycle, a version, an item) is left out. */
export interface NewActivity {
  type: ActivityType;
  reportId: string;
  actorId: string;
  at: Date;
  phase?: PhaseName | null;
  cycleId?: string | null;
  versionId?: string | null;
  versionNumber?: number | null;
  itemId?: string | null;
  details?: Prisma.InputJsonValue | null;
}

/** Appends `activities` in transaction `tx`, in order, in one statement. */
export async function recordActivity(tx: Prisma.TransactionClient, activities: NewActivity[]): Promise<void> {
  if (activities.length === 0) return;
  const column = <Value>(value: (activity: NewActivity) => Value) => activities.map(value);
  await tx.$executeRaw`
    INSERT INTO events.activity_events (type, phase, cycle_id, report_id, version_id, version_number, item_id, actor_id, at, details)
    SELECT * FROM unnest(${column((a) => a.type)}::varchar[], ${column((a) => a.phase ?? null)}::varchar[], ${column((a) => a.cycleId ?? null)}::uuid[],
      ${column((a) => a.reportId)}::uuid[], ${column((a) => a.versionId ?? null)}::uuid[], ${column((a) => a.versionNumber ?? null)}::int[],
      ${column((a) => a.itemId ?? null)}::uuid[], ${column((a) => a.actorId)}::uuid[], ${column((a) => a.at.toISOString())}::timestamptz[],
      ${column((a) => (a.details == null ? null : JSON.stringify(a.details)))}::jsonb[])`;
}
