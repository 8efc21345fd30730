// A phase's subgraph, built from its registry entry and its own SDL: the kit supplies the operations, the stores
// and the resolvers, so a phase folder holds only its schema and a line naming its phase.
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { Prisma, PrismaClient } from '@phasegraph/db';
import DataLoader from 'dataloader';
import { authorizeReview } from './approval-policy';
import { AuditTrail, type AuditRecordRow } from './audit-trail';
import { badUserInput, requireUuid } from './platform/errors';
import { INPUT_LIMITS, optionalText, requireAtMost, requireData, requireItems, requireText } from './input-limits';
import { idempotentCall, type IdempotentCall } from './idempotency';
import { isFullPhase, phaseNamed, type AuditPhase, type FullPhase, type Phase, type PhaseName } from './phases';
import type { Identity } from './signed-identity';
import { kitSdl, sharedSdl, subgraphTypeDefs } from './sdl';
import { EventAnnouncer } from './event-log';
import { defineSubgraph, requireUser, type SubgraphContext, type SubgraphDefinition, type SubgraphRuntime } from './subgraph-server';
import {
  VersionStore,
  type CarryForwardData,
  type DecisionReview,
  type DecisionRow,
  type NewDecision,
  type VersionRow,
  type VersionStatus,
  type WrittenVersion,
} from './versioning';

/** The most rows one page may hold. */
export const MAX_PAGE_SIZE = 100;
/** The most versions one batch creation may hold. */
const MAX_BATCH_SIZE = 500;

/** What a FULL phase does its own way; the kit's default otherwise. */
export interface PhaseBehaviour {
  /** A carried-forward version's data; by default the baseline's, unchanged. */
  carryForwardData?: CarryForwardData;
}

/** The subgraph of phase `name`: its types and operations come from the kit's templates, in the registry's words. */
export function phaseSubgraph(name: PhaseName, behaviour: PhaseBehaviour = {}): SubgraphDefinition {
  const phase = phaseNamed(name);
  const shared = sharedSdl('scalars', 'enums', 'records', 'inputs');
  const user = kitSdl('user-reference');
  if (isFullPhase(phase)) {
    const { descriptions } = phase;
    const values = { Version: phase.versionType, Decision: phase.decisionType, PHASE: phase.name, prefix: phase.fieldPrefix };
    const types = kitSdl('full-phase-types', {
      ...values,
      versionDescription: sdlText(descriptions.version),
      dataDescription: sdlText(descriptions.data),
      decisionsDescription: sdlText(descriptions.decisions),
      itemDescription: sdlText(descriptions.item),
    });
    return defineSubgraph(phase.subgraph, subgraphTypeDefs(shared, user, types, kitSdl('full-phase-operations', values)), (prisma, runtime) =>
      fullPhaseSetup(phase, prisma, runtime, behaviour),
    );
  }
  const values = { Record: phase.recordType, PHASE: phase.name, prefix: phase.fieldPrefix };
  const types = kitSdl('audit-phase-types', {
    ...values,
    recordDescription: sdlText(phase.descriptions.record),
    dataDescription: sdlText(phase.descriptions.data),
  });
  return defineSubgraph(phase.subgraph, subgraphTypeDefs(shared, user, types, kitSdl('audit-phase-operations', values)), (prisma, runtime) =>
    auditPhaseSetup(phase, prisma, runtime),
  );
}

/** Which versions a page of a FULL phase holds (its `…Versions` and `…VersionPage` fields). */
interface VersionPageArgs {
  cycleId: string;
  reportId: string;
  status?: VersionStatus | null;
  first: number;
  beforeVersionNumber?: number | null;
}

interface FullPhaseContext extends SubgraphContext {
  versions: DataLoader<string, VersionRow | null>;
  decisions: DataLoader<string, DecisionRow | null>;
  decisionsOfVersion: DataLoader<string, DecisionRow[]>;
}

function fullPhaseSetup(phase: FullPhase, prisma: PrismaClient, runtime: SubgraphRuntime, behaviour: PhaseBehaviour) {
  const carryForwardData: CarryForwardData = behaviour.carryForwardData ?? ((baseline) => baseline as Prisma.InputJsonValue);
  const store = new VersionStore(phase, prisma, announcerFor(prisma, runtime));
  const identity = runtime.subgraphs.client('identity');
  const p = phase.fieldPrefix;
  const versionRows = (args: VersionPageArgs, rows: number) =>
    store.versionPage(requireUuid(args.cycleId, 'cycleId'), requireUuid(args.reportId, 'reportId'), {
      status: args.status,
      first: rows,
      beforeVersionNumber: args.beforeVersionNumber,
    });
  const resolvers: GraphQLResolverMap<FullPhaseContext> = {
    [phase.versionType]: {
      __resolveReference: (reference: { id: string }, context: FullPhaseContext) => context.versions.load(reference.id),
      phase: () => phase.name,
      createdBy: (row: VersionRow) => userReference(row.createdById),
      reviewedBy: (row: VersionRow) => userReference(row.reviewedById),
      decisions: (row: VersionRow, _args: unknown, context: FullPhaseContext) => context.decisionsOfVersion.load(row.id),
    },
    [phase.decisionType]: {
      __resolveReference: (reference: { id: string }, context: FullPhaseContext) => context.decisions.load(reference.id),
      decidedBy: (row: DecisionRow) => userReference(row.decidedById),
      notes: (row: DecisionRow) => row.decisionNotes,
    },
    Query: {
      [`${p}Version`]: (_: unknown, args: { id: string }, context: FullPhaseContext) => {
        requireUser(context);
        return context.versions.load(requireUuid(args.id, 'id'));
      },
      [`${p}CurrentVersion`]: (_: unknown, args: { cycleId: string; reportId: string }, context: FullPhaseContext) => {
        requireUser(context);
        return store.currentVersion(requireUuid(args.cycleId, 'cycleId'), requireUuid(args.reportId, 'reportId'));
      },
      [`${p}Versions`]: (_: unknown, args: VersionPageArgs, context: FullPhaseContext) => {
        requireUser(context);
        return versionRows(args, pageSize(args.first));
      },
      [`${p}VersionPage`]: async (_: unknown, args: VersionPageArgs, context: FullPhaseContext) => {
        requireUser(context);
        const first = pageSize(args.first);
        return page(await versionRows(args, first + 1), first);
      },
    },
    Mutation: {
      [`${p}CreateVersion`]: (
        _: unknown,
        args: Keyed<{ cycleId: string; reportId: string; data: Prisma.InputJsonValue; parentVersionId?: string | null; items?: NewDecision[] | null }>,
        context: FullPhaseContext,
      ) => {
        const actor = requireUser(context);
        const input = {
          cycleId: requireUuid(args.cycleId, 'cycleId'),
          reportId: requireUuid(args.reportId, 'reportId'),
          data: requireData(args.data),
          parentVersionId: args.parentVersionId ? requireUuid(args.parentVersionId, 'parentVersionId') : null,
          items: requireItems(args.items, 'items'),
        };
        const call = keyedCall(phase, actor, 'createVersion', args.idempotencyKey, input);
        return store.createVersion(input, actor, call).then((written) => primeWritten(context, written));
      },
      [`${p}CreateVersions`]: async (
        _: unknown,
        args: { versions: { cycleId: string; reportId: string; data: Prisma.InputJsonValue; items?: NewDecision[] | null }[] },
        context: FullPhaseContext,
      ) => {
        if (args.versions.length > MAX_BATCH_SIZE) throw badUserInput(`versions may hold at most ${MAX_BATCH_SIZE} versions.`, { argument: 'versions' });
        const written = await store.createVersions(
          args.versions.map((input) => ({
            cycleId: requireUuid(input.cycleId, 'versions.cycleId'),
            reportId: requireUuid(input.reportId, 'versions.reportId'),
            data: requireData(input.data, 'versions.data'),
            items: requireItems(input.items, 'versions.items'),
          })),
          requireUser(context),
        );
        return written.map((entry) => primeWritten(context, entry));
      },
      [`${p}ApproveVersion`]: (_: unknown, args: Keyed<{ id: string; notes?: string | null }>, context: FullPhaseContext) => {
        const actor = requireUser(context);
        const versionId = requireUuid(args.id, 'versionId');
        const notes = optionalText(args.notes, 'notes', INPUT_LIMITS.notes);
        const call = keyedCall(phase, actor, 'approveVersion', args.idempotencyKey, { versionId, notes });
        return store
          .approveVersion(versionId, actor, notes, (version) => authorizeReview(phase, actor, version, identity), call)
          .then((version) => primeVersion(context, version));
      },
      [`${p}RejectVersion`]: (_: unknown, args: Keyed<{ id: string; notes: string }>, context: FullPhaseContext) => {
        const actor = requireUser(context);
        const versionId = requireUuid(args.id, 'versionId');
        const notes = requireText(args.notes, 'notes', INPUT_LIMITS.notes);
        const call = keyedCall(phase, actor, 'rejectVersion', args.idempotencyKey, { versionId, notes });
        return store
          .rejectVersion(versionId, actor, notes, (version) => authorizeReview(phase, actor, version, identity), call)
          .then((version) => primeVersion(context, version));
      },
      [`${p}ReviewDecisions`]: (_: unknown, args: Keyed<{ versionId: string; reviews: DecisionReview[] }>, context: FullPhaseContext) => {
        const actor = requireUser(context);
        const versionId = requireUuid(args.versionId, 'versionId');
        const reviews = requireAtMost(args.reviews, 'reviews', INPUT_LIMITS.itemsPerVersion, 'reviews').map((review) => ({
          decisionId: requireUuid(review.decisionId, 'reviews.decisionId'),
          status: review.status,
          notes: optionalText(review.notes, 'reviews.notes', INPUT_LIMITS.notes),
        }));
        // The same reviews listed in another order are the same call (the order of one decision's reviews is kept).
        const byDecision = [...reviews].sort((a, b) => (a.decisionId < b.decisionId ? -1 : a.decisionId > b.decisionId ? 1 : 0));
        const call = keyedCall(phase, actor, 'reviewDecisions', args.idempotencyKey, { versionId, reviews: byDecision });
        return store
          .reviewDecisions(versionId, reviews, actor, (version) => authorizeReview(phase, actor, version, identity), call)
          .then((decisions) => decisions.map((decision) => prime(context.decisions, decision.id, decision)));
      },
      [`${p}CreateVersionFromBaseline`]: (
        _: unknown,
        args: Keyed<{ baselineVersionId: string; additionalItems?: NewDecision[] | null }>,
        context: FullPhaseContext,
      ) => {
        const actor = requireUser(context);
        const baselineVersionId = requireUuid(args.baselineVersionId, 'baselineVersionId');
        const additionalItems = requireItems(args.additionalItems, 'additionalItems');
        const call = keyedCall(phase, actor, 'createVersionFromBaseline', args.idempotencyKey, { baselineVersionId, additionalItems });
        return store
          .createVersionFromBaseline(baselineVersionId, additionalItems, actor, carryForwardData, call)
          .then((written) => primeWritten(context, written));
      },
    },
  };
  return {
    resolvers,
    context: (base: SubgraphContext): FullPhaseContext => ({
      ...base,
      versions: new DataLoader((ids) => store.versionsById(ids)),
      decisions: new DataLoader((ids) => store.decisionsById(ids)),
      decisionsOfVersion: new DataLoader((ids) => store.decisionsByVersionId(ids)),
    }),
  };
}

interface AuditPhaseContext extends SubgraphContext {
  records: DataLoader<string, AuditRecordRow | null>;
}

function auditPhaseSetup(phase: AuditPhase, prisma: PrismaClient, runtime: SubgraphRuntime) {
  const trail = new AuditTrail(phase, prisma, announcerFor(prisma, runtime));
  const p = phase.fieldPrefix;
  const resolvers: GraphQLResolverMap<AuditPhaseContext> = {
    [phase.recordType]: {
      __resolveReference: (reference: { id: string }, context: AuditPhaseContext) => context.records.load(reference.id),
      phase: () => phase.name,
      createdBy: (row: AuditRecordRow) => userReference(row.createdById),
    },
    Query: {
      [`${p}Record`]: (_: unknown, args: { id: string }, context: AuditPhaseContext) => {
        requireUser(context);
        return context.records.load(requireUuid(args.id, 'id'));
      },
      [`${p}RecordPage`]: async (
        _: unknown,
        args: { cycleId: string; reportId: string; first: number; beforeCreatedAt?: Date | null; beforeId?: string | null },
        context: AuditPhaseContext,
      ) => {
        requireUser(context);
        const first = pageSize(args.first);
        const before = args.beforeCreatedAt && args.beforeId ? { createdAt: args.beforeCreatedAt, id: requireUuid(args.beforeId, 'beforeId') } : null;
        return page(await trail.page(requireUuid(args.cycleId, 'cycleId'), requireUuid(args.reportId, 'reportId'), first + 1, before), first);
      },
    },
    Mutation: {
      [`${p}AppendRecord`]: (_: unknown, args: Keyed<{ cycleId: string; reportId: string; data: Prisma.InputJsonValue }>, context: AuditPhaseContext) => {
        const actor = requireUser(context);
        const input = { cycleId: requireUuid(args.cycleId, 'cycleId'), reportId: requireUuid(args.reportId, 'reportId'), data: requireData(args.data) };
        return trail.append(input, actor, keyedCall(phase, actor, 'createVersion', args.idempotencyKey, input));
      },
    },
  };
  return {
    resolvers,
    context: (base: SubgraphContext): AuditPhaseContext => ({ ...base, records: new DataLoader((ids) => trail.recordsById(ids)) }),
  };
}

/** A writing operation's arguments: its own, and the idempotency key the client sent with the public mutation. */
type Keyed<Args> = Args & { idempotencyKey?: string | null };

/**
 * The call an operation's key names: the public `mutation` (which this operation serves) of `phase`, by `actor`, with
 * the phase and the operation's arguments as checked (see idempotentCall) as its fingerprint.
 */
function keyedCall(phase: Phase, actor: Identity, mutation: string, key: string | null | undefined, checked: object): IdempotentCall | null {
  return idempotentCall(actor.id, mutation, key, { phase: phase.name, ...checked });
}

/** The event announcer of a subgraph's Prisma client: wakes the event log's readers after each commit. */
function announcerFor(prisma: PrismaClient, runtime: SubgraphRuntime): EventAnnouncer {
  const logger = runtime.logger.child({ component: 'event-announcer' });
  return new EventAnnouncer(prisma, (error) =>
    logger.warn('could not wake event log readers', { error: error instanceof Error ? error.message : String(error) }),
  );
}

/**
 * Puts what a write returned into the request's DataLoaders: the fields the client selected on the result are then
 * resolved from memory (in process, the gateway's `_entities` fetch of the same request shares this context).
 */
function primeWritten(context: FullPhaseContext, { version, decisions }: WrittenVersion): VersionRow {
  prime(context.decisionsOfVersion, version.id, decisions);
  for (const decision of decisions) prime(context.decisions, decision.id, decision);
  return primeVersion(context, version);
}

function primeVersion(context: FullPhaseContext, version: VersionRow): VersionRow {
  return prime(context.versions, version.id, version);
}

function prime<Value>(loader: DataLoader<string, Value>, key: string, value: NonNullable<Value>): NonNullable<Value> {
  loader.clear(key).prime(key, value);
  return value;
}

/** `text` made safe inside a one-line SDL string (`"…"`). */
function sdlText(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

function userReference(id: string | null) {
  return id ? { __typename: 'User', id } : null;
}

function pageSize(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE)
    throw badUserInput(`first must be between 1 and ${MAX_PAGE_SIZE}.`, { argument: 'first' });
  return first;
}

/** A page of `first` rows from rows read one beyond it: the extra row, if there is one, says that another page follows. */
function page<Row>(rows: Row[], first: number): { nodes: Row[]; hasNextPage: boolean } {
  return { nodes: rows.slice(0, first), hasNextPage: rows.length > first };
}
