// Dual write: after a legacy write commits (the legacy tables stay the source of truth), mirror it into the new
// phase tables through the phase subgraph's own API. A failed mirror never fails the legacy write: it is recorded,
// with the legacy record, for backfill to replay.
import type { Prisma } from '@phasegraph/db';
import type { Identity, Logger } from '@phasegraph/kit';
import type { MigratedPhase, MigrationState } from './migration-state';
import type { PhaseSubgraphs } from './phase-subgraphs';

/** A legacy report attribute row. */
export interface AttributeRow {
  id: string;
  attributeId: string;
  cycleId: string;
  reportId: string;
  attributeName: string;
  attributeType: string;
  description: string | null;
  versionNumber: number;
  createdAt: Date;
}

/** A legacy sample set with its samples. */
export interface SampleSetRow {
  setId: string;
  cycleId: string;
  reportId: string;
  selectionCriteria: Prisma.JsonValue;
  generationMethod: string | null;
  versionNumber: number;
  createdAt: Date;
  samples: { sampleId: string; data: Prisma.JsonValue; status: string }[];
}

/** The mirror of a legacy record: a new version's data and its items, enough to rebuild the legacy shape. */
export interface Mirror {
  legacyId: string;
  cycleId: string;
  reportId: string;
  data: Prisma.InputJsonValue;
  items: { itemId: string; itemData: Prisma.InputJsonValue }[];
}

export function attributeMirror(row: AttributeRow): Mirror {
  return {
    legacyId: row.id,
    cycleId: row.cycleId,
    reportId: row.reportId,
    data: { source: 'legacy', legacyId: row.id },
    items: [
      {
        itemId: row.attributeId,
        itemData: {
          attributeName: row.attributeName,
          attributeType: row.attributeType,
          description: row.description,
          versionNumber: row.versionNumber,
          createdAt: row.createdAt.toISOString(),
        },
      },
    ],
  };
}

export function sampleSetMirror(set: SampleSetRow): Mirror {
  return {
    legacyId: set.setId,
    cycleId: set.cycleId,
    reportId: set.reportId,
    data: {
      source: 'legacy',
      selectionCriteria: set.selectionCriteria as Prisma.InputJsonValue,
      generationMethods: set.generationMethod ? [set.generationMethod] : [],
      targetSampleSize: set.samples.length,
      actualSampleSize: set.samples.length,
      legacy: { setId: set.setId, generationMethod: set.generationMethod, versionNumber: set.versionNumber, createdAt: set.createdAt.toISOString() },
    },
    items: set.samples.map((sample) => ({ itemId: sample.sampleId, itemData: { data: sample.data as Prisma.InputJsonValue, status: sample.status } })),
  };
}

export class DualWriter {
  constructor(
    private readonly state: MigrationState,
    private readonly phases: PhaseSubgraphs,
    private readonly logger: Logger,
  ) {}

  /** Mirrors a live legacy write as `actor`; returns whether it was mirrored (a failure is recorded, not thrown). */
  async mirror(phase: MigratedPhase, mirror: Mirror, actor: Identity): Promise<boolean> {
    try {
      await this.copy(phase, mirror, actor, { countsAsDualWrite: true });
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn('dual write failed; recorded for reconciliation', { phase, legacyId: mirror.legacyId, error: message });
      await this.state
        .recordFailure(phase, { legacyId: mirror.legacyId, actorId: actor.id, payload: mirror as unknown as Prisma.InputJsonValue, error: message })
        .catch((recordError: unknown) =>
          this.logger.error('could not record a dual-write failure', { phase, legacyId: mirror.legacyId, error: String(recordError) }),
        );
      return false;
    }
  }

  /**
   * Writes `mirror` as a new version through the phase subgraph, as `actor` (the legacy record's author, so both
   * sides name the same creator), and maps it to its legacy record. `countsAsDualWrite`: it repairs a dual write.
   */
  copy(phase: MigratedPhase, mirror: Mirror, actor: Identity, options: { countsAsDualWrite: boolean }): Promise<void> {
    return this.copyMany(phase, [mirror], actor, options);
  }

  /** Like `copy` for several mirrors of one author: one call to the phase subgraph, one transaction for the mappings. */
  async copyMany(phase: MigratedPhase, mirrors: Mirror[], actor: Identity, options: { countsAsDualWrite: boolean }): Promise<void> {
    const { client, documents } = this.phases[phase];
    const { created } = await client.request(
      documents.createVersions,
      { versions: mirrors.map(({ cycleId, reportId, data, items }) => ({ cycleId, reportId, data, items })) },
      actor,
    );
    await this.state.recordMirrors(
      phase,
      mirrors.map((mirror, i) => ({ legacyId: mirror.legacyId, newVersionId: created[i]!.id, cycleId: mirror.cycleId, reportId: mirror.reportId })),
      options.countsAsDualWrite,
    );
  }
}
