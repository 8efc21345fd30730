// Progressive read migration: a phase's read percentage routes that share of (cycle, report) keys to the new
// tables, chosen by a stable hash of the key, so a report never flips between sources as traffic varies. From the
// new tables the legacy shape is rebuilt from the mirrors, identical to the legacy rows they mirror.
import { createHash } from 'node:crypto';
import type { Prisma } from '@phasegraph/db';
import type { Identity } from '@phasegraph/kit';
import type { MirrorReader } from './mirror-reader';
import type { MigratedPhase, MigrationState, PhaseSettings } from './migration-state';

/** Where a (cycle, report) key falls, 0–99: it reads from the new tables when below the read percentage. */
export function readBucket(cycleId: string, reportId: string): number {
  return createHash('sha256').update(`${cycleId}:${reportId}`).digest().readUInt32BE(0) % 100;
}

/** Whether a (cycle, report) key reads from the new tables under a phase's settings: never once it is rolled back. */
export function readsFromNewTables(settings: Pick<PhaseSettings, 'active' | 'readPercentage'>, cycleId: string, reportId: string): boolean {
  return settings.active && readBucket(cycleId, reportId) < settings.readPercentage;
}

/** What a Sample Selection mirror keeps of its legacy set that the version itself does not say. */
interface LegacySetFields {
  setId: string;
  generationMethod: string | null;
  versionNumber: number;
  createdAt: string;
}

/** A version mirroring a legacy record, as the phase subgraph returns it (the kit's MirroredVersions document). */
export interface MirroredVersion {
  id: string;
  cycleId: string;
  reportId: string;
  data: { selectionCriteria?: Prisma.JsonValue; legacy?: LegacySetFields };
  createdBy: { id: string };
  decisions: { itemId: string; itemData: Record<string, unknown> }[];
}

/** The legacy attribute row a Planning mirror stands for (without isLatestVersion, which depends on its siblings). */
export function attributesFromMirror(version: MirroredVersion) {
  return version.decisions.map((decision) => ({
    attributeId: decision.itemId,
    cycleId: version.cycleId,
    reportId: version.reportId,
    attributeName: decision.itemData.attributeName as string,
    attributeType: decision.itemData.attributeType as string,
    description: (decision.itemData.description ?? null) as string | null,
    versionNumber: decision.itemData.versionNumber as number,
    createdById: version.createdBy.id,
    createdAt: new Date(decision.itemData.createdAt as string),
  }));
}

/** The legacy sample set a Sample Selection mirror stands for (without isLatestVersion). */
export function sampleSetFromMirror(version: MirroredVersion) {
  // A mirror without its legacy fields is not one; integrity reports it as a mismatch.
  const legacy: Partial<LegacySetFields> = version.data.legacy ?? {};
  return {
    setId: legacy.setId ?? '',
    cycleId: version.cycleId,
    reportId: version.reportId,
    selectionCriteria: version.data.selectionCriteria ?? null,
    generationMethod: legacy.generationMethod ?? null,
    versionNumber: legacy.versionNumber ?? 0,
    createdById: version.createdBy.id,
    createdAt: new Date(legacy.createdAt ?? 0),
    samples: version.decisions.map((decision) => ({
      sampleId: decision.itemId,
      data: decision.itemData.data as Prisma.JsonValue,
      status: decision.itemData.status as string,
    })),
  };
}

export class ReadRouter {
  constructor(
    private readonly state: MigrationState,
    private readonly reader: MirrorReader,
  ) {}

  async readsFromNew(phase: MigratedPhase, cycleId: string, reportId: string): Promise<boolean> {
    return readsFromNewTables(await this.state.settings(phase), cycleId, reportId);
  }

  /** Report attributes rebuilt from their Planning mirrors, in legacy shape and order. */
  async reportAttributes(cycleId: string, reportId: string, actor: Identity) {
    const rows = (await this.mirrored('PLANNING', cycleId, reportId, actor)).flatMap(attributesFromMirror);
    const latest = new Map<string, number>();
    for (const row of rows) latest.set(row.attributeId, Math.max(latest.get(row.attributeId) ?? 0, row.versionNumber));
    return rows
      .map((row) => ({ ...row, isLatestVersion: latest.get(row.attributeId) === row.versionNumber }))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.attributeId.localeCompare(b.attributeId) || a.versionNumber - b.versionNumber);
  }

  /** Sample sets rebuilt from their Sample Selection mirrors, in legacy shape and order. */
  async sampleSets(cycleId: string, reportId: string, actor: Identity) {
    const sets = (await this.mirrored('SAMPLE_SELECTION', cycleId, reportId, actor)).map(sampleSetFromMirror);
    const newest = Math.max(0, ...sets.map((set) => set.versionNumber));
    return sets.map((set) => ({ ...set, isLatestVersion: set.versionNumber === newest })).sort((a, b) => a.versionNumber - b.versionNumber);
  }

  /** The phase's versions that actively mirror legacy records of a cycle and report (the callers order them). */
  private async mirrored(phase: MigratedPhase, cycleId: string, reportId: string, actor: Identity): Promise<MirroredVersion[]> {
    const mappings = await this.state.mappings(phase, cycleId, reportId);
    return [
      ...(
        await this.reader.mirrors(
          phase,
          mappings.map((mapping) => mapping.newVersionId),
          actor,
        )
      ).values(),
    ];
  }
}
