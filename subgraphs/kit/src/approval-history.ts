// Which version of a record was APPROVED at a moment, replayed from the record's approvals and supersessions in the
// event log. An approval makes its version the approved one; the supersessions it causes come just before it in the
// log (same transaction, same time), so whatever the order of approvals within one instant, the last one stands.
import type { VersionEventType } from './event-log';

/** An approval or a supersession of one of a record's versions. */
export interface ApprovalEvent {
  type: Extract<VersionEventType, 'APPROVED' | 'SUPERSEDED'>;
  versionId: string;
}

/**
 * The version APPROVED once `events` have happened, or null: `events` are a record's approvals and supersessions up
 * to the moment asked about, in log order (by time, then place in the log).
 */
export function approvedVersionAfter(events: Iterable<ApprovalEvent>): string | null {
  let approved: string | null = null;
  for (const event of events) {
    if (event.type === 'APPROVED') approved = event.versionId;
    else if (event.versionId === approved) approved = null;
  }
  return approved;
}
