// A report's activity, read from both logs the kit writes: the version events (events.version_events) and everything
// else (events.activity_events: decision reviews, owner assignments, legacy-shaped writes), merged newest first. A page
// for GraphQL and a batch of the CSV export are the same keyset query, so the millionth row costs what the first does.
import { Prisma, type PrismaClient } from '@phasegraph/db';
import type { PhaseName } from '@phasegraph/kit';

/** Which log a row comes from. Within one instant a version event sorts before (is newer than) other activity. */
export type ActivitySource = 'version' | 'activity';

/** One thing that happened to a report. */
export interface ActivityRow {
  source: ActivitySource;
  /** Its id in its own log. */
  id: bigint;
  type: string;
  phase: PhaseName | null;
  /** Null for what concerns the report in every cycle (an owner assignment). */
  cycleId: string | null;
  reportId: string;
  versionId: string | null;
  versionNumber: number | null;
  itemId: string | null;
  actorId: string;
  at: Date;
  /** What else was recorded, as JSON text (as the CSV export writes it; read as text, a row costs Prisma half as much). */
  details: string | null;
}

/** Where a page starts: after this row, newest first. */
export type ActivityPosition = Pick<ActivityRow, 'at' | 'source' | 'id'>;

/** Whose activity: a cycle and report, optionally one phase (then what concerns no phase, an owner assignment, is left out). */
export interface ActivityScope {
  cycleId: string;
  reportId: string;
  phase?: PhaseName | null;
}

/** The sort key of each source within one instant (SQL sorts by it, descending). */
const SOURCE_RANK: Record<ActivitySource, number> = { activity: 1, version: 2 };

export class ActivityLog {
  constructor(private readonly prisma: PrismaClient) {}

  /** Up to `limit` rows of the scope's activity, newest first, after `after` when given. */
  async page(scope: ActivityScope, limit: number, after: ActivityPosition | null): Promise<ActivityRow[]> {
    const phase = scope.phase ? (column: Prisma.Sql) => Prisma.sql`AND ${column} = ${scope.phase}` : () => Prisma.empty;
    // `at <= …` lets each log's index start at the cursor; the row comparison then skips what the cursor has passed.
    const below = (rank: number, at: Prisma.Sql, id: Prisma.Sql) =>
      after
        ? Prisma.sql`AND ${at} <= ${after.at.toISOString()}::timestamptz
            AND (${at}, ${rank}::int, ${id}) < (${after.at.toISOString()}::timestamptz, ${SOURCE_RANK[after.source]}::int, ${after.id}::bigint)`
        : Prisma.empty;
    const rows = await this.prisma.$queryRaw<(Omit<ActivityRow, 'source'> & { rank: number })[]>`
      SELECT * FROM (
        (SELECT ${SOURCE_RANK.version}::int AS rank, e.id, e.type, e.phase, e.cycle_id::text AS "cycleId", e.report_id::text AS "reportId",
                e.version_id::text AS "versionId", e.version_number AS "versionNumber", NULL::text AS "itemId", e.actor_id::text AS "actorId", e.at, e.details::text AS details
         FROM events.version_events e
         WHERE e.cycle_id = ${scope.cycleId}::uuid AND e.report_id = ${scope.reportId}::uuid ${phase(Prisma.sql`e.phase`)}
           ${below(SOURCE_RANK.version, Prisma.sql`e.at`, Prisma.sql`e.id`)}
         ORDER BY e.at DESC, e.id DESC
         LIMIT ${limit})
        UNION ALL
        (SELECT ${SOURCE_RANK.activity}::int, a.id, a.type, a.phase, a.cycle_id::text, a.report_id::text,
                a.version_id::text, a.version_number, a.item_id::text, a.actor_id::text, a.at, a.details::text
         FROM events.activity_events a
         WHERE a.report_id = ${scope.reportId}::uuid AND (a.cycle_id = ${scope.cycleId}::uuid OR a.cycle_id IS NULL) ${phase(Prisma.sql`a.phase`)}
           ${below(SOURCE_RANK.activity, Prisma.sql`a.at`, Prisma.sql`a.id`)}
         ORDER BY a.at DESC, a.id DESC
         LIMIT ${limit})
      ) activity
      ORDER BY at DESC, rank DESC, id DESC
      LIMIT ${limit}`;
    return rows.map(({ rank, ...row }) => ({ ...row, source: rank === SOURCE_RANK.version ? 'version' : 'activity' }));
  }

  /**
   * The scope's whole activity, newest first, `batchSize` rows at a time: however long it is, no more than one batch
   * is held. Rows committed while it is read may be missed if they are older than the batch being read.
   */
  async *batches(scope: ActivityScope, batchSize: number): AsyncGenerator<ActivityRow[]> {
    let after: ActivityPosition | null = null;
    for (;;) {
      const rows = await this.page(scope, batchSize, after);
      if (rows.length > 0) yield rows;
      if (rows.length < batchSize) return;
      after = rows.at(-1)!;
    }
  }
}
