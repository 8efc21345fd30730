// The compat subgraph's resolvers: the legacy-shaped API (reads routed per phase, writes to the legacy tables and
// mirrored when dual write is on) and the migration operations, for admins.
import type { PrismaClient } from '@phasegraph/db';
import {
  INPUT_LIMITS,
  MAX_PAGE_SIZE,
  badUserInput,
  forbidden,
  idempotentCall,
  optionalText,
  requireAtMost,
  requireJson,
  requireNonBlankText,
  requireUser,
  requireUuid,
  type Identity,
  type PhaseName,
  type SubgraphContext,
  type SubgraphRuntime,
} from '@phasegraph/kit';
import { DualWriter, attributeMirror, sampleSetMirror } from './dual-writer';
import { LegacyStore, type LegacyWrite, type ReportAttributeInput, type SampleSetInput, type WriteHook } from './legacy-store';
import { MigrationOperations } from './migration-operations';
import { MirrorReader } from './mirror-reader';
import { MIGRATED_PHASES, MigrationState, requireMigratedPhase, type MigratedPhase } from './migration-state';
import { phaseSubgraphs } from './phase-subgraphs';
import { ReadRouter, readBucket } from './read-router';

const user = (row: { createdById: string }) => ({ __typename: 'User', id: row.createdById });

function requireAdmin(context: SubgraphContext): Identity {
  const actor = requireUser(context);
  if (!actor.roles.includes('ADMIN')) throw forbidden('Migration operations need the ADMIN role.');
  return actor;
}

export function compatResolvers(prisma: PrismaClient, runtime: SubgraphRuntime) {
  const legacy = new LegacyStore(prisma);
  const state = new MigrationState(prisma, runtime.database);
  const phases = phaseSubgraphs(runtime.subgraphs);
  const dualWriter = new DualWriter(state, phases, runtime.logger.child({ subgraph: 'compat' }));
  const mirrors = new MirrorReader(phases);
  const router = new ReadRouter(state, mirrors);
  const operations = new MigrationOperations(prisma, state, dualWriter, mirrors);

  /** A rolled-back phase takes no dual writes or new reads until a backfill rolls it forward. */
  async function requireActive(phase: MigratedPhase) {
    if (!(await state.settings(phase)).active)
      throw badUserInput(`${phase} was rolled back: run backfillPhase to roll it forward first.`, { argument: 'phase' });
  }

  /**
   * How a legacy write of `phase` involves the migration: counted in its transaction, mirrored after commit. A repeat
   * under an idempotency key wrote nothing, so it is neither counted nor mirrored again.
   */
  async function writeThrough<Row>(
    phase: MigratedPhase,
    actor: Identity,
    write: (hook?: WriteHook) => Promise<LegacyWrite<Row>>,
    mirror: (row: Row) => Parameters<DualWriter['mirror']>[1],
  ) {
    const { dualWriteEnabled } = await state.settings(phase);
    const { row, repeated } = await write(dualWriteEnabled ? (tx) => state.countLegacyWrite(tx, phase) : undefined);
    if (dualWriteEnabled && !repeated) await dualWriter.mirror(phase, mirror(row), actor);
    return row;
  }

  return {
    resolvers: {
      ReportAttribute: { createdBy: user },
      SampleSet: { createdBy: user },
      Query: {
        reportAttributes: async (_: unknown, args: { cycleId: string; reportId: string }, context: SubgraphContext) => {
          const actor = requireUser(context);
          const [cycleId, reportId] = [requireUuid(args.cycleId, 'cycleId'), requireUuid(args.reportId, 'reportId')];
          return (await router.readsFromNew('PLANNING', cycleId, reportId))
            ? router.reportAttributes(cycleId, reportId, actor)
            : legacy.reportAttributes(cycleId, reportId);
        },
        sampleSets: async (_: unknown, args: { cycleId: string; reportId: string }, context: SubgraphContext) => {
          const actor = requireUser(context);
          const [cycleId, reportId] = [requireUuid(args.cycleId, 'cycleId'), requireUuid(args.reportId, 'reportId')];
          return (await router.readsFromNew('SAMPLE_SELECTION', cycleId, reportId))
            ? router.sampleSets(cycleId, reportId, actor)
            : legacy.sampleSets(cycleId, reportId);
        },
        migrationStatus: (_: unknown, _args: unknown, context: SubgraphContext) => {
          requireAdmin(context);
          return state.statuses(MIGRATED_PHASES);
        },
        // The gateway's GET /metrics serves these numbers without a token (operators' scrapers carry none); the field
        // is @inaccessible, so only the gateway (or another signed caller) reaches it.
        migrationGauges: () => state.statuses(MIGRATED_PHASES),
        verifyDataIntegrity: (_: unknown, args: { phase: PhaseName }, context: SubgraphContext) =>
          operations.verify(requireMigratedPhase(args.phase), requireAdmin(context)),
        migrationOperationPage: async (_: unknown, args: { phase?: PhaseName | null; first: number; beforeId?: string | null }, context: SubgraphContext) => {
          requireAdmin(context);
          const phase = args.phase ? requireMigratedPhase(args.phase) : null;
          if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_PAGE_SIZE)
            throw badUserInput(`first must be between 1 and ${MAX_PAGE_SIZE}.`, { argument: 'first' });
          if (args.beforeId != null && !/^\d{1,18}$/.test(args.beforeId)) throw badUserInput('beforeId must be an operation id.', { argument: 'beforeId' });
          const rows = await state.operations(phase, args.first + 1, args.beforeId != null ? BigInt(args.beforeId) : null);
          return { nodes: rows.slice(0, args.first).map((row) => ({ ...row, id: String(row.id) })), hasNextPage: rows.length > args.first };
        },
        readSource: async (_: unknown, args: { phase: PhaseName; cycleId: string; reportId: string }, context: SubgraphContext) => {
          requireAdmin(context);
          const [cycleId, reportId] = [requireUuid(args.cycleId, 'cycleId'), requireUuid(args.reportId, 'reportId')];
          const phase = requireMigratedPhase(args.phase);
          return {
            phase,
            cycleId,
            reportId,
            bucket: readBucket(cycleId, reportId),
            source: (await router.readsFromNew(phase, cycleId, reportId)) ? 'NEW' : 'LEGACY',
          };
        },
      },
      Mutation: {
        createReportAttribute: (
          _: unknown,
          { input, idempotencyKey }: { input: ReportAttributeInput; idempotencyKey?: string | null },
          context: SubgraphContext,
        ) => {
          const actor = requireUser(context);
          const checked = {
            cycleId: requireUuid(input.cycleId, 'cycleId'),
            reportId: requireUuid(input.reportId, 'reportId'),
            attributeName: requireNonBlankText(input.attributeName, 'attributeName', INPUT_LIMITS.attributeName),
            attributeType: requireNonBlankText(input.attributeType, 'attributeType', INPUT_LIMITS.shortText),
            description: optionalText(input.description, 'description', INPUT_LIMITS.notes),
            attributeId: input.attributeId ? requireUuid(input.attributeId, 'attributeId') : null,
          };
          const call = idempotentCall(actor.id, 'createReportAttribute', idempotencyKey, checked);
          return writeThrough('PLANNING', actor, (hook) => legacy.createReportAttribute(checked, actor, hook, call), attributeMirror);
        },
        createSampleSet: (_: unknown, { input, idempotencyKey }: { input: SampleSetInput; idempotencyKey?: string | null }, context: SubgraphContext) => {
          const actor = requireUser(context);
          // Legacy JSON is held to smaller limits, so that the version mirroring the set (which wraps it) always fits.
          const legacyJson = { maxBytes: INPUT_LIMITS.legacyJsonBytes, maxDepth: INPUT_LIMITS.legacyJsonDepth };
          const checked = {
            cycleId: requireUuid(input.cycleId, 'cycleId'),
            reportId: requireUuid(input.reportId, 'reportId'),
            selectionCriteria: requireJson(input.selectionCriteria, 'selectionCriteria', legacyJson),
            generationMethod: optionalText(input.generationMethod, 'generationMethod', INPUT_LIMITS.shortText),
            samples: requireAtMost(input.samples, 'samples', INPUT_LIMITS.itemsPerVersion, 'samples').map((sample) => ({
              sampleId: sample.sampleId ? requireUuid(sample.sampleId, 'samples.sampleId') : null,
              data: requireJson(sample.data, 'samples.data', legacyJson),
            })),
          };
          const call = idempotentCall(actor.id, 'createSampleSet', idempotencyKey, checked);
          return writeThrough('SAMPLE_SELECTION', actor, (hook) => legacy.createSampleSet(checked, actor, hook, call), sampleSetMirror);
        },
        setDualWrite: async (_: unknown, args: { phase: PhaseName; enabled: boolean }, context: SubgraphContext) => {
          const actor = requireAdmin(context);
          const phase = requireMigratedPhase(args.phase);
          if (args.enabled) await requireActive(phase);
          return state.update(phase, { dualWriteEnabled: args.enabled }, { type: 'DUAL_WRITE', actorId: actor.id, details: { enabled: args.enabled } });
        },
        backfillPhase: (_: unknown, args: { phase: PhaseName; limit?: number | null }, context: SubgraphContext) => {
          const actor = requireAdmin(context);
          if (args.limit != null && (!Number.isInteger(args.limit) || args.limit < 1))
            throw badUserInput('limit must be a positive whole number.', { argument: 'limit' });
          return operations.backfill(requireMigratedPhase(args.phase), actor, args.limit ?? undefined);
        },
        rollbackPhase: (_: unknown, args: { phase: PhaseName }, context: SubgraphContext) =>
          operations.rollback(requireMigratedPhase(args.phase), requireAdmin(context)),
        setReadPercentage: async (_: unknown, args: { phase: PhaseName; percentage: number }, context: SubgraphContext) => {
          const actor = requireAdmin(context);
          const phase = requireMigratedPhase(args.phase);
          if (!Number.isInteger(args.percentage) || args.percentage < 0 || args.percentage > 100) {
            throw badUserInput('percentage must be a whole number from 0 to 100.', { argument: 'percentage' });
          }
          if (args.percentage > 0) await requireActive(phase);
          return state.update(
            phase,
            { readPercentage: args.percentage },
            { type: 'READ_PERCENTAGE', actorId: actor.id, details: { percentage: args.percentage } },
          );
        },
      },
    },
    context: (base: SubgraphContext) => base,
    close: () => state.close(),
  };
}
