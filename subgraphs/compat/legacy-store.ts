// The legacy system's rules for its own tables: attribute versions per attribute id, sample set versions per cycle
// and report, the newest flagged latest. Writes of one attribute (or one report's sets) are serialised, and each is
// recorded in the report's activity (LEGACY_WRITE) in its own transaction.
import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient } from '@phasegraph/db';
import { badUserInput, lockRecord, recordActivity, writeOnce, type IdempotentCall, type Identity } from '@phasegraph/kit';

export interface ReportAttributeInput {
  cycleId: string;
  reportId: string;
  attributeName: string;
  attributeType: string;
  description?: string | null;
  attributeId?: string | null;
}

export interface SampleSetInput {
  cycleId: string;
  reportId: string;
  selectionCriteria: Prisma.InputJsonValue;
  generationMethod?: string | null;
  samples: { sampleId?: string | null; data: Prisma.InputJsonValue }[];
}

/** More work for a legacy write's transaction (the migration counting it). */
export type WriteHook = (tx: Prisma.TransactionClient) => Promise<void>;

/** What a legacy write answers: the row, and whether it was written by an earlier call with the same idempotency key. */
export interface LegacyWrite<Row> {
  row: Row;
  repeated: boolean;
}

const TRANSACTION_OPTIONS = { maxWait: 20_000, timeout: 30_000 };

export class LegacyStore {
  constructor(private readonly prisma: PrismaClient) {}

  reportAttributes(cycleId: string, reportId: string) {
    return this.prisma.reportAttribute.findMany({
      where: { cycleId, reportId },
      orderBy: [{ createdAt: 'asc' }, { attributeId: 'asc' }, { versionNumber: 'asc' }],
    });
  }

  sampleSets(cycleId: string, reportId: string) {
    return this.prisma.sampleSet.findMany({
      where: { cycleId, reportId },
      orderBy: { versionNumber: 'asc' },
      include: { samples: { orderBy: { position: 'asc' } } },
    });
  }

  /**
   * Writes version 1 of a new attribute, or the next version of `attributeId`, which becomes the latest; once under
   * `call`'s key.
   */
  createReportAttribute(input: ReportAttributeInput, actor: Identity, alsoInTransaction?: WriteHook, call: IdempotentCall | null = null) {
    const { attributeName, attributeType } = input;
    const attributeId = input.attributeId ?? randomUUID();
    return writeOnce(
      this.prisma,
      async (tx) => {
        await lockRecord(tx, `compat:attribute:${attributeId}`);
        const latest = await tx.reportAttribute.findFirst({ where: { attributeId }, orderBy: { versionNumber: 'desc' } });
        if (latest && (latest.cycleId !== input.cycleId || latest.reportId !== input.reportId)) {
          throw badUserInput(`Attribute ${attributeId} belongs to another cycle or report.`, { argument: 'attributeId' });
        }
        if (latest) await tx.reportAttribute.updateMany({ where: { attributeId, isLatestVersion: true }, data: { isLatestVersion: false } });
        await alsoInTransaction?.(tx);
        const row = await tx.reportAttribute.create({
          data: {
            attributeId,
            cycleId: input.cycleId,
            reportId: input.reportId,
            attributeName,
            attributeType,
            description: input.description ?? null,
            versionNumber: (latest?.versionNumber ?? 0) + 1,
            isLatestVersion: true,
            createdById: actor.id,
          },
        });
        await recordActivity(tx, [
          {
            type: 'LEGACY_WRITE',
            phase: 'PLANNING',
            cycleId: row.cycleId,
            reportId: row.reportId,
            itemId: attributeId,
            actorId: actor.id,
            at: row.createdAt,
            details: {
              record: 'ReportAttribute',
              legacyId: row.id,
              legacyVersionNumber: row.versionNumber,
              attributeName,
              attributeType,
              description: row.description,
            },
          },
        ]);
        return { row, repeated: false };
      },
      {
        call,
        idOf: ({ row }) => row.id,
        replay: async (id) => ({ row: await this.prisma.reportAttribute.findUniqueOrThrow({ where: { id } }), repeated: true }),
      },
      TRANSACTION_OPTIONS,
    );
  }

  /** Writes a sample set as the next (and latest) of its cycle and report; once under `call`'s key. */
  createSampleSet(input: SampleSetInput, actor: Identity, alsoInTransaction?: WriteHook, call: IdempotentCall | null = null) {
    const sampleIds = input.samples.map((sample) => sample.sampleId ?? randomUUID());
    if (new Set(sampleIds).size !== sampleIds.length) throw badUserInput('samples lists a sampleId more than once.', { argument: 'samples' });
    const withSamples = { samples: { orderBy: { position: 'asc' } } } as const;
    return writeOnce(
      this.prisma,
      async (tx) => {
        await lockRecord(tx, `compat:sample-sets:${input.cycleId}:${input.reportId}`);
        const latest = await tx.sampleSet.findFirst({ where: { cycleId: input.cycleId, reportId: input.reportId }, orderBy: { versionNumber: 'desc' } });
        if (latest)
          await tx.sampleSet.updateMany({
            where: { cycleId: input.cycleId, reportId: input.reportId, isLatestVersion: true },
            data: { isLatestVersion: false },
          });
        await alsoInTransaction?.(tx);
        const row = await tx.sampleSet.create({
          data: {
            cycleId: input.cycleId,
            reportId: input.reportId,
            selectionCriteria: input.selectionCriteria,
            generationMethod: input.generationMethod ?? null,
            versionNumber: (latest?.versionNumber ?? 0) + 1,
            isLatestVersion: true,
            createdById: actor.id,
            samples: { create: input.samples.map((sample, position) => ({ sampleId: sampleIds[position]!, data: sample.data, position })) },
          },
          include: withSamples,
        });
        await recordActivity(tx, [
          {
            type: 'LEGACY_WRITE',
            phase: 'SAMPLE_SELECTION',
            cycleId: row.cycleId,
            reportId: row.reportId,
            actorId: actor.id,
            at: row.createdAt,
            details: {
              record: 'SampleSet',
              legacyId: row.setId,
              legacyVersionNumber: row.versionNumber,
              generationMethod: row.generationMethod,
              samples: row.samples.length,
            },
          },
        ]);
        return { row, repeated: false };
      },
      {
        call,
        idOf: ({ row }) => row.setId,
        replay: async (setId) => ({ row: await this.prisma.sampleSet.findUniqueOrThrow({ where: { setId }, include: withSamples }), repeated: true }),
      },
      TRANSACTION_OPTIONS,
    );
  }
}
