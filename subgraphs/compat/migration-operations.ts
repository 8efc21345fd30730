// The operator's migration operations: backfill (copy what dual write never saw, replay its failures), integrity
// verification (every legacy record against its mirror), and rollback (back to the legacy tables in seconds).
import { Prisma, type PrismaClient } from '@phasegraph/db';
import type { Identity } from '@phasegraph/kit';
import { attributeMirror, sampleSetMirror, type DualWriter, type Mirror } from './dual-writer';
import type { MigratedPhase, MigrationState } from './migration-state';
import type { MirrorReader } from './mirror-reader';
import { attributesFromMirror, sampleSetFromMirror } from './read-router';

const BATCH = 250;

/** Each migrated phase's legacy table and its record id column (constants, never input). */
const LEGACY_TABLES = {
  PLANNING: { table: Prisma.raw('compat.report_attributes'), id: Prisma.raw('id') },
  SAMPLE_SELECTION: { table: Prisma.raw('compat.sample_sets'), id: Prisma.raw('set_id') },
} as const satisfies Record<MigratedPhase, unknown>;

/** `FROM … WHERE …` selecting a phase's legacy records (as `l`) that have no mirror, active or kept. */
function unmirroredRows(phase: MigratedPhase): Prisma.Sql {
  const { table, id } = LEGACY_TABLES[phase];
  return Prisma.sql`FROM ${table} l WHERE NOT EXISTS (SELECT 1 FROM compat.migration_mappings m WHERE m.phase = ${phase} AND m.legacy_id = l.${id})`;
}

export interface Discrepancy {
  type: 'MISSING_IN_NEW' | 'MISSING_IN_OLD' | 'DATA_MISMATCH';
  legacyId: string | null;
  newId: string | null;
  fields: string[] | null;
}

/** A legacy record as verification compares it: its id, the mirror it should have, and its comparable fields. */
interface LegacyRecord {
  id: string;
  createdById: string;
  mirror: Mirror;
  fields: Record<string, unknown>;
}

export class MigrationOperations {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly state: MigrationState,
    private readonly dualWriter: DualWriter,
    private readonly reader: MirrorReader,
  ) {}

  /**
   * Copies legacy records that have no mirror into the new tables, in batches, as their original authors; first
   * replays recorded dual-write failures. Idempotent and resumable: a record is copied once, whenever it runs.
   * Rolls the phase forward: mirrors kept by a rollback become active again. `limit` bounds one call's copies.
   */
  async backfill(phase: MigratedPhase, actor: Identity, limit = Number.POSITIVE_INFINITY) {
    const started = Date.now();
    await this.state.setActive(phase, true);
    let replayed = 0;
    const errors: { legacyId: string; error: string }[] = [];
    for (const failure of await this.prisma.dualWriteFailure.findMany({ where: { phase, resolvedAt: null }, orderBy: { createdAt: 'asc' } })) {
      const mapped = await this.prisma.migrationMapping.findUnique({ where: { phase_legacyId: { phase, legacyId: failure.legacyId } } });
      try {
        if (!mapped) await this.dualWriter.copy(phase, failure.payload as unknown as Mirror, authorOf(failure.actorId), { countsAsDualWrite: true });
        await this.prisma.dualWriteFailure.update({ where: { id: failure.id }, data: { resolvedAt: new Date() } });
        replayed++;
      } catch (error) {
        errors.push({ legacyId: failure.legacyId, error: error instanceof Error ? error.message : String(error) });
      }
    }
    let copied = 0;
    const failed = new Set(errors.map((error) => error.legacyId));
    while (copied < limit) {
      const batch = (await this.unmirrored(phase, Math.min(BATCH, limit - copied) + failed.size)).filter((record) => !failed.has(record.id));
      if (batch.length === 0) break;
      // One call per author (mirrors keep their legacy record's author); a group that fails is retried record by
      // record, so that one bad record fails alone.
      for (const group of groupBy(batch.slice(0, limit - copied), (record) => record.createdById)) {
        const author = authorOf(group[0]!.createdById);
        const mirrors = group.map((record) => record.mirror);
        try {
          await this.dualWriter.copyMany(phase, mirrors, author, { countsAsDualWrite: false });
          copied += group.length;
          continue;
        } catch {
          // Retried one by one below.
        }
        for (const record of group) {
          try {
            await this.dualWriter.copy(phase, record.mirror, author, { countsAsDualWrite: false });
            copied++;
          } catch (error) {
            failed.add(record.id);
            errors.push({ legacyId: record.id, error: error instanceof Error ? error.message : String(error) });
          }
        }
      }
    }
    const remaining = await this.countUnmirrored(phase);
    const report = { phase, copied, replayedFailures: replayed, failed: errors.length, remaining, durationMs: Date.now() - started };
    const operation = { type: 'BACKFILL', actorId: actor.id, details: { ...report, errors: errors.slice(0, 20) } } as const;
    if (remaining === 0) await this.state.update(phase, { backfilledAt: new Date() }, operation);
    else await this.state.recordOperation(phase, operation);
    return { ...report, errors: errors.map((error) => `${error.legacyId}: ${error.error}`) };
  }

  /** Compares every legacy record of `phase` with its mirror. */
  async verify(phase: MigratedPhase, actor: Identity) {
    const [records, mappings] = await Promise.all([this.legacyRecords(phase), this.prisma.migrationMapping.findMany({ where: { phase, active: true } })]);
    // Fresh: verification checks what the new tables hold now, not what reads kept.
    const mirrors = await this.reader.mirrors(
      phase,
      mappings.map((mapping) => mapping.newVersionId),
      actor,
      { fresh: true },
    );
    const byLegacyId = new Map(mappings.map((mapping) => [mapping.legacyId, mapping]));
    const discrepancies: Discrepancy[] = [];
    for (const record of records.values()) {
      const mapping = byLegacyId.get(record.id);
      const mirror = mapping && mirrors.get(mapping.newVersionId);
      if (!mapping || !mirror) {
        discrepancies.push({ type: 'MISSING_IN_NEW', legacyId: record.id, newId: mapping?.newVersionId ?? null, fields: null });
        continue;
      }
      const rebuilt = phase === 'PLANNING' ? (attributesFromMirror(mirror)[0] ?? {}) : sampleSetFromMirror(mirror);
      const fields = Object.keys(record.fields).filter((field) => comparable(record.fields[field]) !== comparable((rebuilt as Record<string, unknown>)[field]));
      if (fields.length > 0) discrepancies.push({ type: 'DATA_MISMATCH', legacyId: record.id, newId: mapping.newVersionId, fields });
    }
    for (const mapping of mappings) {
      if (!records.has(mapping.legacyId)) discrepancies.push({ type: 'MISSING_IN_OLD', legacyId: mapping.legacyId, newId: mapping.newVersionId, fields: null });
    }
    await this.state.update(
      phase,
      { lastVerifiedAt: new Date() },
      { type: 'VERIFY', actorId: actor.id, details: { checked: records.size, discrepancies: discrepancies.length } },
    );
    return { phase, checked: records.size, discrepancies };
  }

  /**
   * Returns the phase to the legacy tables: stops dual writes, sends every read back to them, marks the mirrored
   * data inactive (kept, so backfill can roll forward), clears this instance's cached settings (others forget
   * theirs when they hear each change commit) and records the event. Reports each step and its duration.
   */
  async rollback(phase: MigratedPhase, actor: Identity) {
    const started = Date.now();
    const steps: { step: string; durationMs: number; detail: string }[] = [];
    const step = async (name: string, work: () => Promise<string>) => {
      const at = Date.now();
      const detail = await work();
      steps.push({ step: name, durationMs: Date.now() - at, detail });
    };
    await step('reads back to the legacy tables', async () => (await this.state.update(phase, { readPercentage: 0 }), 'read percentage 0'));
    await step('stop dual writes', async () => (await this.state.update(phase, { dualWriteEnabled: false }), 'dual write off'));
    await step('mark the new data inactive', async () => {
      const count = await this.state.setActive(phase, false);
      return `${count} mirrored record(s) inactive, kept for roll-forward`;
    });
    await step('clear caches', async () => (this.state.forgetAll(), 'settings cache cleared'));
    await step(
      'record the event',
      async () => (await this.state.recordOperation(phase, { type: 'ROLLBACK', actorId: actor.id, details: { steps } }), 'ROLLBACK recorded'),
    );
    return { phase, steps, durationMs: Date.now() - started };
  }

  /** Legacy records of `phase` with no mirror (active or kept), oldest first. */
  private async unmirrored(phase: MigratedPhase, take: number): Promise<LegacyRecord[]> {
    const { id } = LEGACY_TABLES[phase];
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`SELECT l.${id} AS id ${unmirroredRows(phase)} ORDER BY l.created_at, l.${id} LIMIT ${take}`;
    return [
      ...(
        await this.legacyRecords(
          phase,
          rows.map((row) => row.id),
        )
      ).values(),
    ];
  }

  private async countUnmirrored(phase: MigratedPhase): Promise<number> {
    const [row] = await this.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n ${unmirroredRows(phase)}`;
    return row!.n;
  }

  /** The phase's legacy records (all, or those with `ids`), by id. */
  private async legacyRecords(phase: MigratedPhase, ids?: string[]): Promise<Map<string, LegacyRecord>> {
    if (phase === 'PLANNING') {
      const rows = await this.prisma.reportAttribute.findMany({ where: ids ? { id: { in: ids } } : {}, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
      return new Map(
        rows.map((row) => {
          const { attributeId, cycleId, reportId, attributeName, attributeType, description, versionNumber, createdById, createdAt } = row;
          return [
            row.id,
            {
              id: row.id,
              createdById,
              mirror: attributeMirror(row),
              fields: { attributeId, cycleId, reportId, attributeName, attributeType, description, versionNumber, createdById, createdAt },
            },
          ];
        }),
      );
    }
    const sets = await this.prisma.sampleSet.findMany({
      where: ids ? { setId: { in: ids } } : {},
      include: { samples: { orderBy: { position: 'asc' } } },
      orderBy: [{ createdAt: 'asc' }, { setId: 'asc' }],
    });
    return new Map(
      sets.map((set) => {
        const { setId, cycleId, reportId, selectionCriteria, generationMethod, versionNumber, createdById, createdAt } = set;
        const samples = set.samples.map((sample) => ({ sampleId: sample.sampleId, data: sample.data, status: sample.status }));
        return [
          setId,
          {
            id: setId,
            createdById,
            mirror: sampleSetMirror({ ...set, samples }),
            fields: { setId, cycleId, reportId, selectionCriteria, generationMethod, versionNumber, createdById, createdAt, samples },
          },
        ];
      }),
    );
  }
}

/** The identity a copy is written as: the legacy record's author, so both sides name the same creator. */
function authorOf(userId: string): Identity {
  return { id: userId, name: 'legacy author', email: '', roles: [] };
}

function comparable(value: unknown): string {
  return value instanceof Date ? value.toISOString() : JSON.stringify(value ?? null);
}

/** `items` split into groups by `key`, in order of first appearance. */
function groupBy<Item>(items: Item[], key: (item: Item) => string): Item[][] {
  const groups = new Map<string, Item[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return [...groups.values()];
}
