// The migration's state per phase: settings (cached, and forgotten by every instance as soon as a change commits),
// the write counters behind dual-write consistency, the old↔new mappings, the recorded failures, and the record of
// every operation on it (what migrationActivity lists).
import type { Database, Prisma, PrismaClient } from '@phasegraph/db';
import { badUserInput, runTransaction, type PhaseName } from '@phasegraph/kit';

/** The phases that have legacy data: report attributes mirror to Planning, sample sets to Sample Selection. */
export const MIGRATED_PHASES = ['PLANNING', 'SAMPLE_SELECTION'] as const satisfies readonly PhaseName[];
export type MigratedPhase = (typeof MIGRATED_PHASES)[number];

/** Below this share of legacy writes mirrored, the phase's status carries an alert. */
export const CONSISTENCY_ALERT_THRESHOLD = 0.99;
/** The channel a settings change is announced on when it commits; every instance then forgets its cached settings. */
const SETTINGS_CHANGED_CHANNEL = 'phasegraph_migration_settings';

/** The operations on the migration, as recorded and as migrationActivity names them. */
export type MigrationOperationType = 'DUAL_WRITE' | 'READ_PERCENTAGE' | 'BACKFILL' | 'VERIFY' | 'ROLLBACK';

/** An operation on a phase's migration: what, by whom, with what settings or findings. */
export interface MigrationOperation {
  type: MigrationOperationType;
  actorId: string;
  details: Prisma.InputJsonValue;
}

export interface PhaseSettings {
  phase: MigratedPhase;
  dualWriteEnabled: boolean;
  readPercentage: number;
  active: boolean;
}

export function requireMigratedPhase(phase: PhaseName): MigratedPhase {
  if (!(MIGRATED_PHASES as readonly string[]).includes(phase)) {
    throw badUserInput(`${phase} has no legacy data to migrate; the migrated phases are ${MIGRATED_PHASES.join(' and ')}.`, { argument: 'phase' });
  }
  return phase as MigratedPhase;
}

/** A phase's migration row (or its defaults) and the counts behind its status, as `statuses` reads them. */
interface StatusRow {
  phase: MigratedPhase;
  dualWriteEnabled: boolean;
  readPercentage: number;
  active: boolean;
  legacyWrites: number;
  mirroredWrites: number;
  lastVerifiedAt: Date | null;
  backfilledAt: Date | null;
  pendingReconciliation: number;
  mirrored: number;
  legacyRecords: number;
}

export class MigrationState {
  private readonly cache = new Map<MigratedPhase, PhaseSettings>();
  /**
   * Counts the times the cache was emptied. A read of the settings that began before a change may end after it; it
   * caches what it read only if no change was announced meanwhile, so stale settings never return to the cache.
   */
  private generation = 0;
  /** Settled once this instance hears of changes; until then (or if it cannot listen) nothing is cached. */
  private listening: Promise<boolean>;
  private stopListening: (() => Promise<void>) | undefined;

  constructor(
    private readonly prisma: PrismaClient,
    database: Pick<Database, 'listen'>,
  ) {
    // The listener is also called after a lost connection comes back, when announcements may have been missed.
    this.listening = database
      .listen(SETTINGS_CHANGED_CHANNEL, () => this.forgetAll())
      .then(
        (stop) => ((this.stopListening = stop), true),
        () => false,
      );
  }

  /** The phase's settings, as of the last change this instance heard of. */
  async settings(phase: MigratedPhase): Promise<PhaseSettings> {
    const cached = this.cache.get(phase);
    if (cached) return cached;
    const generation = this.generation;
    const row = await this.row(phase);
    const settings = { phase, dualWriteEnabled: row.dualWriteEnabled, readPercentage: row.readPercentage, active: row.active };
    if ((await this.listening) && generation === this.generation) this.cache.set(phase, settings);
    return settings;
  }

  /** What operators watch: settings, consistency (share of legacy writes mirrored), alert, pending reconciliation. */
  async status(phase: MigratedPhase) {
    const [status] = await this.statuses([phase]);
    return status!;
  }

  /**
   * The status of each of `phases`, read in one statement whatever their number (the gateway's /metrics asks at every
   * scrape). A phase whose row was never written stands at the column defaults.
   */
  async statuses(phases: readonly MigratedPhase[]) {
    const rows = await this.prisma.$queryRaw<StatusRow[]>`
      SELECT p.phase,
        coalesce(m.dual_write_enabled, false) AS "dualWriteEnabled", coalesce(m.read_percentage, 0) AS "readPercentage",
        coalesce(m.active, true) AS active, coalesce(m.legacy_writes, 0) AS "legacyWrites", coalesce(m.mirrored_writes, 0) AS "mirroredWrites",
        m.last_verified_at AS "lastVerifiedAt", m.backfilled_at AS "backfilledAt",
        (SELECT count(*) FROM compat.dual_write_failures f WHERE f.phase = p.phase AND f.resolved_at IS NULL)::int AS "pendingReconciliation",
        (SELECT count(*) FROM compat.migration_mappings mm WHERE mm.phase = p.phase AND mm.active)::int AS mirrored,
        (CASE p.phase WHEN 'PLANNING' THEN (SELECT count(*) FROM compat.report_attributes) ELSE (SELECT count(*) FROM compat.sample_sets) END)::int
          AS "legacyRecords"
      FROM unnest(${phases}::text[]) WITH ORDINALITY AS p(phase, position)
      LEFT JOIN compat.phase_migrations m ON m.phase = p.phase
      ORDER BY p.position`;
    return rows.map((row) => {
      const dualWriteConsistency = row.legacyWrites === 0 ? 1 : Math.min(1, row.mirroredWrites / row.legacyWrites);
      const alert =
        dualWriteConsistency < CONSISTENCY_ALERT_THRESHOLD
          ? `Dual-write consistency ${(dualWriteConsistency * 100).toFixed(2)}% is below ${CONSISTENCY_ALERT_THRESHOLD * 100}%: ${row.pendingReconciliation} write(s) await reconciliation (backfillPhase replays them).`
          : null;
      const backfillProgress = row.legacyRecords === 0 ? 1 : Math.min(1, row.mirrored / row.legacyRecords);
      return { ...row, dualWriteConsistency, alert, backfillProgress };
    });
  }

  /** Changes the phase's settings, and records `operation` (the operator's action that changed them) with them. */
  async update(
    phase: MigratedPhase,
    data: { dualWriteEnabled?: boolean; readPercentage?: number; active?: boolean; lastVerifiedAt?: Date; backfilledAt?: Date },
    operation?: MigrationOperation,
  ) {
    await this.row(phase);
    await runTransaction(this.prisma, async (tx) => {
      await tx.phaseMigration.update({ where: { phase }, data });
      if (operation) await tx.migrationEvent.create({ data: { phase, ...operation } });
      await announceChange(tx);
    });
    this.forgetAll();
    return this.status(phase);
  }

  /** Counts a legacy write made while dual write is on, in the legacy write's own transaction. */
  async countLegacyWrite(tx: Prisma.TransactionClient, phase: MigratedPhase): Promise<void> {
    // Prisma's upsert is a read then a write: concurrent first writes would both try to create the row.
    await tx.phaseMigration.createMany({ data: [{ phase }], skipDuplicates: true });
    await tx.phaseMigration.update({ where: { phase }, data: { legacyWrites: { increment: 1 } } });
  }

  /**
   * Records successful mirrors: the mappings and, when they mirror dual writes, the counter. The phase's row is
   * locked first and the mappings take the phase's `active`, so mirrors finishing during a rollback (or a
   * roll-forward, which take the same lock) land on the right side of it.
   */
  async recordMirrors(
    phase: MigratedPhase,
    mappings: { legacyId: string; newVersionId: string; cycleId: string; reportId: string }[],
    countsAsDualWrite: boolean,
  ): Promise<void> {
    await runTransaction(this.prisma, async (tx) => {
      const { active } = await tx.phaseMigration.update({
        where: { phase },
        data: countsAsDualWrite ? { mirroredWrites: { increment: mappings.length } } : { updatedAt: new Date() },
      });
      await tx.migrationMapping.createMany({ data: mappings.map((mapping) => ({ phase, ...mapping, active })) });
    });
  }

  /** Marks the phase and all its mirrors active or not, atomically with respect to recordMirrors. */
  async setActive(phase: MigratedPhase, active: boolean): Promise<number> {
    await this.row(phase);
    const { count } = await runTransaction(this.prisma, async (tx) => {
      await tx.phaseMigration.update({ where: { phase }, data: { active } });
      await announceChange(tx);
      return tx.migrationMapping.updateMany({ where: { phase, active: !active }, data: { active } });
    });
    this.forgetAll();
    return count;
  }

  /** Forgets every cached setting of this instance (other instances forget when they hear the change commit). */
  forgetAll(): void {
    this.generation++;
    this.cache.clear();
  }

  async close(): Promise<void> {
    await this.listening;
    await this.stopListening?.();
  }

  /** Notes an operator's action on the migration that changed no setting. */
  async recordOperation(phase: MigratedPhase, operation: MigrationOperation): Promise<void> {
    await this.prisma.migrationEvent.create({ data: { phase, ...operation } });
  }

  /** Up to `take` recorded operations (of one phase, or all), newest first, recorded before `beforeId` when given. */
  operations(phase: MigratedPhase | null, take: number, beforeId: bigint | null) {
    return this.prisma.migrationEvent.findMany({
      where: { ...(phase ? { phase } : {}), ...(beforeId !== null ? { id: { lt: beforeId } } : {}) },
      orderBy: { id: 'desc' },
      take,
    });
  }

  async recordFailure(phase: MigratedPhase, failure: { legacyId: string; actorId: string; payload: Prisma.InputJsonValue; error: string }): Promise<void> {
    await this.prisma.dualWriteFailure.create({ data: { phase, ...failure } });
  }

  /** The active mappings of a cycle and report. */
  mappings(phase: MigratedPhase, cycleId: string, reportId: string) {
    return this.prisma.migrationMapping.findMany({ where: { phase, cycleId, reportId, active: true } });
  }

  private async row(phase: MigratedPhase) {
    // INSERT … ON CONFLICT DO NOTHING, then read: concurrent first readers of a phase cannot collide.
    await this.prisma.phaseMigration.createMany({ data: [{ phase }], skipDuplicates: true });
    return this.prisma.phaseMigration.findUniqueOrThrow({ where: { phase } });
  }
}

/** Tells every instance, once `tx` commits, that the settings changed. */
async function announceChange(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$queryRaw`SELECT 1 AS announced FROM pg_notify(${SETTINGS_CHANGED_CHANNEL}, '')`;
}
