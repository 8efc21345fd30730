// The migration's state per phase: settings (read by every instance within a second of a change), the write
// counters behind dual-write consistency, the old↔new mappings and the recorded failures.
import type { Prisma, PrismaClient } from '@phasegraph/db';
import { badUserInput, type PhaseName } from '@phasegraph/kit';

/** The phases that have legacy data: report attributes mirror to Planning, sample sets to Sample Selection. */
export const MIGRATED_PHASES = ['PLANNING', 'SAMPLE_SELECTION'] as const satisfies readonly PhaseName[];
export type MigratedPhase = (typeof MIGRATED_PHASES)[number];

/** Below this share of legacy writes mirrored, the phase's status carries an alert. */
export const CONSISTENCY_ALERT_THRESHOLD = 0.99;
const SETTINGS_TTL_MS = 1_000;

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

export class MigrationState {
  private readonly cache = new Map<MigratedPhase, { settings: PhaseSettings; readAt: number }>();

  constructor(private readonly prisma: PrismaClient) {}

  /** The phase's settings, at most a second old. */
  async settings(phase: MigratedPhase): Promise<PhaseSettings> {
    const cached = this.cache.get(phase);
    if (cached && Date.now() - cached.readAt < SETTINGS_TTL_MS) return cached.settings;
    const row = await this.row(phase);
    const settings = { phase, dualWriteEnabled: row.dualWriteEnabled, readPercentage: row.readPercentage, active: row.active };
    this.cache.set(phase, { settings, readAt: Date.now() });
    return settings;
  }

  /** What operators watch: settings, consistency (share of legacy writes mirrored), alert, pending reconciliation. */
  async status(phase: MigratedPhase) {
    const [row, pendingReconciliation, mirrored, legacyRecords] = await Promise.all([
      this.row(phase),
      this.prisma.dualWriteFailure.count({ where: { phase, resolvedAt: null } }),
      this.prisma.migrationMapping.count({ where: { phase, active: true } }),
      phase === 'PLANNING' ? this.prisma.reportAttribute.count() : this.prisma.sampleSet.count(),
    ]);
    const dualWriteConsistency = row.legacyWrites === 0 ? 1 : Math.min(1, row.mirroredWrites / row.legacyWrites);
    const alert =
      dualWriteConsistency < CONSISTENCY_ALERT_THRESHOLD
        ? `Dual-write consistency ${(dualWriteConsistency * 100).toFixed(2)}% is below ${CONSISTENCY_ALERT_THRESHOLD * 100}%: ${pendingReconciliation} write(s) await reconciliation (backfillPhase replays them).`
        : null;
    const backfillProgress = legacyRecords === 0 ? 1 : Math.min(1, mirrored / legacyRecords);
    return { ...row, dualWriteConsistency, alert, pendingReconciliation, mirrored, legacyRecords, backfillProgress };
  }

  async update(
    phase: MigratedPhase,
    data: { dualWriteEnabled?: boolean; readPercentage?: number; active?: boolean; lastVerifiedAt?: Date; backfilledAt?: Date },
  ) {
    await this.row(phase);
    await this.prisma.phaseMigration.update({ where: { phase }, data });
    this.cache.delete(phase);
    return this.status(phase);
  }

  /** Counts a legacy write made while dual write is on, in the legacy write's own transaction. */
  async countLegacyWrite(tx: Prisma.TransactionClient, phase: MigratedPhase): Promise<void> {
    await tx.phaseMigration.upsert({ where: { phase }, create: { phase, legacyWrites: 1 }, update: { legacyWrites: { increment: 1 } } });
  }

  /**
   * Records a successful mirror: the mapping and, when it mirrors a dual write, the counter. The phase's row is
   * locked first and the mapping takes the phase's `active`, so a mirror finishing during a rollback (or a
   * roll-forward, which take the same lock) lands on the right side of it.
   */
  async recordMirror(
    phase: MigratedPhase,
    mapping: { legacyId: string; newVersionId: string; cycleId: string; reportId: string },
    countsAsDualWrite: boolean,
  ): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const { active } = await tx.phaseMigration.update({
        where: { phase },
        data: countsAsDualWrite ? { mirroredWrites: { increment: 1 } } : { updatedAt: new Date() },
      });
      await tx.migrationMapping.create({ data: { phase, ...mapping, active } });
    });
  }

  /** Marks the phase and all its mirrors active or not, atomically with respect to recordMirror. */
  async setActive(phase: MigratedPhase, active: boolean): Promise<number> {
    await this.row(phase);
    const { count } = await this.prisma.$transaction(async (tx) => {
      await tx.phaseMigration.update({ where: { phase }, data: { active } });
      return tx.migrationMapping.updateMany({ where: { phase, active: !active }, data: { active } });
    });
    this.cache.delete(phase);
    return count;
  }

  /** Forgets the cached settings of `phase` (this instance; others re-read within a second). */
  forget(phase: MigratedPhase): void {
    this.cache.delete(phase);
  }

  /** Notes an operator's action on the migration. */
  async recordEvent(phase: MigratedPhase, type: string, actorId: string, details: Prisma.InputJsonValue): Promise<void> {
    await this.prisma.migrationEvent.create({ data: { phase, type, actorId, details } });
  }

  async recordFailure(phase: MigratedPhase, failure: { legacyId: string; actorId: string; payload: Prisma.InputJsonValue; error: string }): Promise<void> {
    await this.prisma.dualWriteFailure.create({ data: { phase, ...failure } });
  }

  /** The active mappings of a cycle and report. */
  mappings(phase: MigratedPhase, cycleId: string, reportId: string) {
    return this.prisma.migrationMapping.findMany({ where: { phase, cycleId, reportId, active: true } });
  }

  private async row(phase: MigratedPhase) {
    return this.prisma.phaseMigration.upsert({ where: { phase }, create: { phase }, update: {} });
  }
}
