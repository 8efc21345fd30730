// The version event log's read side, for subscriptions and metrics: events after a cursor, one event, the
// commit signal (LISTEN), and metrics computed from the same rows, so they never disagree with the data.
import type { Database, PrismaClient } from '@phasegraph/db';
import { VERSION_EVENTS_CHANNEL, type NewVersionEvent, type PhaseName, type VersionEventType } from '@phasegraph/kit';

/** One row of the event log: an event as the kit wrote it, and its id (the cursor). */
export type VersionEventRow = NewVersionEvent & { id: bigint };

/** Which events a reader wants; null or absent fields match everything. */
export interface EventFilter {
  phase?: PhaseName | null;
  cycleId?: string | null;
  reportId?: string | null;
  types?: VersionEventType[];
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

  /** Up to `limit` events after `cursor` that match `filter`, oldest first. */
  after(cursor: bigint, filter: EventFilter, limit: number): Promise<VersionEventRow[]> {
    return this.prisma.versionEvent.findMany({
      where: {
        id: { gt: cursor },
        ...(filter.phase ? { phase: filter.phase } : {}),
        ...(filter.cycleId ? { cycleId: filter.cycleId } : {}),
        ...(filter.reportId ? { reportId: filter.reportId } : {}),
        ...(filter.types ? { type: { in: filter.types } } : {}),
      },
      orderBy: { id: 'asc' },
      take: limit,
    }) as Promise<VersionEventRow[]>;
  }

  byId(id: bigint): Promise<VersionEventRow | null> {
    return this.prisma.versionEvent.findUnique({ where: { id } }) as Promise<VersionEventRow | null>;
  }

  /** The newest event's id (0 when the log is empty): where a subscription without `after` starts. */
  async latestId(): Promise<bigint> {
    const latest = await this.prisma.versionEvent.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
    return latest?.id ?? 0n;
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

  async close(): Promise<void> {
    this.listeners.clear();
    await this.stopListening?.();
  }
}
