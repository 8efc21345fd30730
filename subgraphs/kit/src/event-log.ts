// The version event log's write side: the kit appends an event in the same transaction as each change (an outbox),
// and once that transaction has committed it wakes the readers with a NOTIFY, coalesced per process. The wake-up is
// sent after commit, never inside it: PostgreSQL serialises every committing transaction that has notified.
import type { Prisma, PrismaClient } from '@phasegraph/db';
import type { PhaseName } from './phases';

export type VersionEventType = 'CREATED' | 'APPROVED' | 'REJECTED' | 'SUPERSEDED';

/** The channel readers are woken on after events commit; the payload is empty, readers read the log. */
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
  /** What an auditor reads beside the event (a review's notes, what an approval superseded); none for audit records. */
  details?: Prisma.InputJsonValue | null;
}

/**
 * Appends `events` in transaction `tx`, in order, in one statement. No lock: each row records its transaction's id, and readers take
 * rows in (transaction, id) order only from transactions older than any still running (see the gateway's log reader).
 */
export async function recordVersionEvents(tx: Prisma.TransactionClient, events: NewVersionEvent[]): Promise<void> {
  if (events.length === 0) return;
  const column = <Value>(value: (event: NewVersionEvent) => Value) => events.map(value);
  await tx.$executeRaw`
    INSERT INTO events.version_events (type, phase, version_id, version_number, cycle_id, report_id, actor_id, at, details)
    SELECT * FROM unnest(${column((e) => e.type)}::varchar[], ${column((e) => e.phase)}::varchar[], ${column((e) => e.versionId)}::uuid[],
      ${column((e) => e.versionNumber)}::int[], ${column((e) => e.cycleId)}::uuid[], ${column((e) => e.reportId)}::uuid[],
      ${column((e) => e.actorId)}::uuid[], ${column((e) => e.at.toISOString())}::timestamptz[],
      ${column((e) => (e.details == null ? null : JSON.stringify(e.details)))}::jsonb[])`;
}

/**
 * Wakes the log's readers after a commit: one NOTIFY in flight per announcer; announcements made meanwhile are
 * folded into one more. A lost wake-up delays delivery until the next one; it never loses an event.
 */
export class EventAnnouncer {
  private sending = false;
  private pending = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Call after a transaction that appended events has committed. */
  announce(): void {
    this.pending = true;
    if (!this.sending) void this.send();
  }

  private async send(): Promise<void> {
    this.sending = true;
    while (this.pending) {
      this.pending = false;
      await this.prisma.$executeRaw`SELECT pg_notify(${VERSION_EVENTS_CHANNEL}, '')`.catch(this.onError);
    }
    this.sending = false;
  }
}
