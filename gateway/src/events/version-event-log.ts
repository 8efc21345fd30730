// The version event log's read side, for subscriptions and metrics: events after a position, one event, the
// commit signal (LISTEN), and metrics computed from the same rows, so they never disagree with the data; for history,
// the version approved at a moment and the phase a version belongs to.
import type { Database, PrismaClient } from '@phasegraph/db';
import {
  VERSION_EVENTS_CHANNEL,
  approvedVersionAfter,
  badUserInput,
  type ApprovalEvent,
  type NewVersionEvent,
  type PhaseName,
  type VersionEventType,
} from '@phasegraph/kit';

/** One row of the event log: an event as the kit wrote it, its id (the public cursor) and its transaction's id. */
export type VersionEventRow = NewVersionEvent & { id: bigint; txId: bigint };

/**
 * Where a reader stands: after the event (txId, id). Readers take events in (txId, id) order and only from
 * transactions older than every transaction still running, so no event can later appear before a position passed.
 */
export interface LogPosition {
  txId: bigint;
  id: bigint;
}

/** Before every event: `after` it a reader gets the whole (filtered) log. */
export const LOG_START: LogPosition = { txId: 0n, id: 0n };

/** Which events a reader wants; null or absent fields match everything. */
export interface EventFilter {
  phase?: PhaseName | null;
  cycleId?: string | null;
  reportId?: string | null;
  types?: VersionEventType[];
}

/** A read of the log: the events, and whether committed events wait behind a transaction still running. */
export interface LogRead {
  rows: VersionEventRow[];
  /**
   * Committed events exist that cannot be delivered yet, because an older transaction is still running. If that
   * transaction writes no event, no wake-up follows its commit: the reader must look again by itself.
   */
  heldBack: boolean;
}

export interface PhaseMetricsRow {
  versionsCreated: number;
  approvals: number;
  rejections: number;
  approvalHoursAvg: number | null;
  approvalHoursP50: number | null;
  approvalHoursP95: number | null;
}

export class VersionEventLog {
  private readonly listeners = new Set<() => void>();
  private stopListening: (() => Promise<void>) | undefined;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly database: Database,
  ) {}

  /** Starts hearing of commits; one LISTEN serves every subscriber of this process. */
  async start(): Promise<void> {
    this.stopListening = await this.database.listen(VERSION_EVENTS_CHANNEL, () => {
      for (const listener of this.listeners) listener();
    });
  }

  /** Calls `listener` whenever events may have been committed; returns the way to stop. */
  onCommit(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Up to `limit` events after `position` (and up to `upTo`, when given) that match `filter`, in log order. */
  async after(position: LogPosition, filter: EventFilter, limit: number, upTo?: LogPosition): Promise<LogRead> {
    const end = upTo ?? { txId: BigInt(Number.MAX_SAFE_INTEGER), id: 0n };
    // One statement, so the horizon and the rows come from one snapshot.
    const rows = await this.prisma.$queryRaw<(Partial<VersionEventRow> & { heldBack: boolean })[]>`
      WITH horizon AS (SELECT (pg_snapshot_xmin(pg_current_snapshot())::text)::bigint AS xmin)
      SELECT EXISTS (SELECT 1 FROM events.version_events waiting WHERE waiting.tx_id >= horizon.xmin) AS "heldBack", ready.*
      FROM horizon LEFT JOIN LATERAL (
        SELECT e.id, e.tx_id AS "txId", e.type, e.phase, e.version_id::text AS "versionId", e.version_number AS "versionNumber",
               e.cycle_id::text AS "cycleId", e.report_id::text AS "reportId", e.actor_id::text AS "actorId", e.at
        FROM events.version_events e
        WHERE (e.tx_id, e.id) > (${position.txId}, ${position.id}) AND (e.tx_id, e.id) <= (${end.txId}, ${end.id}) AND e.tx_id < horizon.xmin
          AND (${filter.phase ?? null}::text IS NULL OR e.phase = ${filter.phase ?? null})
          AND (${filter.cycleId ?? null}::uuid IS NULL OR e.cycle_id = ${filter.cycleId ?? null}::uuid)
          AND (${filter.reportId ?? null}::uuid IS NULL OR e.report_id = ${filter.reportId ?? null}::uuid)
          AND (${filter.types ?? null}::text[] IS NULL OR e.type = ANY(${filter.types ?? null}::text[]))
        ORDER BY e.tx_id, e.id
        LIMIT ${limit}
      ) ready ON true`;
    return {
      heldBack: rows[0]?.heldBack ?? false,
      rows: rows.filter((row) => row.id != null).map(({ heldBack: _heldBack, ...row }) => row as VersionEventRow),
    };
  }

  byId(id: bigint): Promise<VersionEventRow | null> {
    return this.prisma.versionEvent.findUnique({ where: { id } }) as Promise<VersionEventRow | null>;
  }

  /** The position just after the event a client's cursor names; BAD_USER_INPUT when the log holds no such event. */
  async positionAfter(id: bigint): Promise<LogPosition> {
    if (id === 0n) return LOG_START;
    const event = await this.prisma.versionEvent.findUnique({ where: { id }, select: { txId: true } });
    if (!event) throw badUserInput('after is not a cursor of this event log; pass a cursor you were sent.', { argument: 'after' });
    return { txId: event.txId, id };
  }

  /**
   * Where a live subscription starts: before every transaction still running, so it misses nothing that commits
   * after it began (and may hear of a change that committed while it was starting).
   */
  async livePosition(): Promise<LogPosition> {
    const [horizon] = await this.prisma.$queryRaw<{ xmin: bigint }[]>`SELECT (pg_snapshot_xmin(pg_current_snapshot())::text)::bigint AS xmin`;
    return { txId: horizon!.xmin, id: 0n };
  }

  /** Counts and time to approval (hours from a version's CREATED to its APPROVED event) for a phase. */
  async metrics(phase: PhaseName, cycleId: string | null, reportId: string | null): Promise<PhaseMetricsRow> {
    const [row] = await this.prisma.$queryRaw<PhaseMetricsRow[]>`
      WITH scoped AS (
        SELECT * FROM events.version_events
        WHERE phase = ${phase} AND (${cycleId}::uuid IS NULL OR cycle_id = ${cycleId}::uuid) AND (${reportId}::uuid IS NULL OR report_id = ${reportId}::uuid)
      ), approval AS (
        SELECT EXTRACT(EPOCH FROM (approved.at - created.at)) / 3600.0 AS hours
        FROM scoped approved JOIN scoped created ON created.version_id = approved.version_id AND created.type = 'CREATED'
        WHERE approved.type = 'APPROVED'
      )
      SELECT
        (SELECT count(*) FROM scoped WHERE type = 'CREATED')::int AS "versionsCreated",
        (SELECT count(*) FROM scoped WHERE type = 'APPROVED')::int AS "approvals",
        (SELECT count(*) FROM scoped WHERE type = 'REJECTED')::int AS "rejections",
        (SELECT avg(hours) FROM approval)::float8 AS "approvalHoursAvg",
        (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) FROM approval)::float8 AS "approvalHoursP50",
        (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY hours) FROM approval)::float8 AS "approvalHoursP95"`;
    return row!;
  }

  /**
   * The version of a record (phase, cycle, report) that was APPROVED at `asOf`, or null: its approvals and
   * supersessions up to then, replayed in log order (by time, then place in the log).
   */
  async approvedAt(phase: PhaseName, cycleId: string, reportId: string, asOf: Date): Promise<string | null> {
    const events = await this.prisma.$queryRaw<ApprovalEvent[]>`
      SELECT type, version_id::text AS "versionId" FROM events.version_events
      WHERE cycle_id = ${cycleId}::uuid AND report_id = ${reportId}::uuid AND at <= ${asOf.toISOString()}::timestamptz
        AND phase = ${phase} AND type IN ('APPROVED', 'SUPERSEDED')
      ORDER BY at, id`;
    return approvedVersionAfter(events);
  }

  /** The phase of each version or audit record named, by id, from its CREATED event; an id the log never saw is absent. */
  async phasesOf(ids: readonly string[]): Promise<Map<string, PhaseName>> {
    const rows = await this.prisma.$queryRaw<{ id: string; phase: PhaseName }[]>`
      SELECT version_id::text AS id, phase FROM events.version_events WHERE version_id = ANY(${[...ids]}::uuid[]) AND type = 'CREATED'`;
    return new Map(rows.map((row) => [row.id, row.phase]));
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.stopListening?.();
  }
}
