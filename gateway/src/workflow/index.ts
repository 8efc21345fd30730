// The workflow subgraph, run in the gateway's process: `phases`, and the unified version operations, which
// dispatch to the owning phase subgraph's own operations and return `{ __typename, id }`; the query planner then
// fetches every other selected field from that subgraph through `_entities`.
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import {
  ALL_PHASES,
  JSONScalar,
  MAX_PAGE_SIZE,
  PHASES,
  auditPhaseDocuments,
  badUserInput,
  fullPhaseDocuments,
  isFullPhase,
  notFound,
  readSdlFile,
  requireUser,
  requireUuid,
  sharedSdl,
  subgraphTypeDefs,
  type AuditPhase,
  type FullPhase,
  type Identity,
  type Phase,
  type PhaseName,
  type SubgraphDirectory,
  type TypedDocumentNode,
  type VersionStatus,
} from '@phasegraph/kit';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import type { VersionEventLog, VersionEventRow } from '../events/version-event-log';
import { decodeCursor, encodeCursor } from './cursors';

/** What the workflow's resolvers see of a gateway request. */
export interface WorkflowContext {
  identity: Identity | null;
  requestId: string;
  /** The event a subscription is delivering, already read from the log (saves reading it again per subscriber). */
  event?: VersionEventRow;
}

/** The page size when `first` is not given. */
export const DEFAULT_PAGE_SIZE = 20;

/** The stub of each concrete version and record type, from the registry: the phase subgraph resolves the rest. */
function concreteTypeStubs(): string {
  const stub = (description: string, type: string, implementsList: string) =>
    `"${description}"\ntype ${type} implements ${implementsList} @key(fields: "id", resolvable: false) {\n  "Its id (a UUID)."\n  id: ID!\n}`;
  return ALL_PHASES.flatMap((phase) =>
    isFullPhase(phase)
      ? [
          stub(`A ${phase.displayName} version; its fields come from the ${phase.subgraph} subgraph.`, phase.versionType, 'Version & PhaseRecord'),
          stub(`A decision in a ${phase.displayName} version; its fields come from the ${phase.subgraph} subgraph.`, phase.decisionType, 'Decision'),
        ]
      : [stub(`A ${phase.displayName} audit record; its fields come from the ${phase.subgraph} subgraph.`, phase.recordType, 'PhaseRecord')],
  ).join('\n\n');
}

export const workflowTypeDefs: DocumentNode = subgraphTypeDefs(
  sharedSdl('scalars', 'enums', 'inputs'),
  readSdlFile(new URL('./schema.graphql', import.meta.url)),
  concreteTypeStubs(),
);

/** An item to decide on, as the client sends it. */
interface DecisionInput {
  itemId: string;
  itemData: unknown;
  reason?: string | null;
}

/** A reviewer's verdict on one decision, as the client sends it. */
interface DecisionReviewInput {
  decisionId: string;
  status: 'PENDING' | 'APPROVED' | 'REJECTED';
  notes?: string | null;
}

interface CreateVersionInput {
  phase: PhaseName;
  cycleId: string;
  reportId: string;
  data: unknown;
  parentVersionId?: string | null;
  items?: DecisionInput[] | null;
}

interface PageArgs {
  phase: PhaseName;
  cycleId: string;
  reportId: string;
  first?: number | null;
  after?: string | null;
}

export function buildWorkflowSchema(subgraphs: SubgraphDirectory, events: VersionEventLog): GraphQLSchema {
  // The gateway request's context is the call's scope: in process, the phase subgraph's DataLoaders that the call
  // primes then serve the planner's `_entities` fetch of the same request.
  const call = <Result, Variables extends Record<string, unknown>>(
    phase: Phase,
    document: TypedDocumentNode<Result, Variables>,
    variables: Variables,
    context: WorkflowContext,
  ) => subgraphs.client(phase.subgraph).request(document, variables, requireUser(context), context);

  const versionStub = (phase: FullPhase, id: string) => ({ __typename: phase.versionType, id });

  async function versionPage(phase: FullPhase, args: PageArgs & { status?: VersionStatus | null }, context: WorkflowContext) {
    const first = pageSize(args.first);
    const before = args.after ? decodeCursor(args.after, 'version').versionNumber : null;
    const { page } = await call(
      phase,
      fullPhaseDocuments(phase).versionPage,
      { cycleId: args.cycleId, reportId: args.reportId, status: args.status ?? null, first, beforeVersionNumber: before },
      context,
    );
    return connection(page, Boolean(args.after), (row) => ({
      cursor: encodeCursor({ kind: 'version', versionNumber: row.versionNumber }),
      node: versionStub(phase, row.id),
    }));
  }

  async function recordPage(phase: AuditPhase, args: PageArgs, context: WorkflowContext) {
    const first = pageSize(args.first);
    const before = args.after ? decodeCursor(args.after, 'record') : null;
    const { page } = await call(
      phase,
      auditPhaseDocuments(phase).recordPage,
      { cycleId: args.cycleId, reportId: args.reportId, first, beforeCreatedAt: before?.createdAt ?? null, beforeId: before?.id ?? null },
      context,
    );
    return connection(page, Boolean(args.after), (row) => ({
      cursor: encodeCursor({ kind: 'record', createdAt: new Date(row.createdAt).toISOString(), id: row.id }),
      node: { __typename: phase.recordType, id: row.id },
    }));
  }

  const resolvers: GraphQLResolverMap<WorkflowContext> = {
    JSON: JSONScalar,
    DateTime: DateTimeResolver,
    VersionEvent: {
      cursor: (event: VersionEventRow) => encodeCursor({ kind: 'event', id: event.id }),
      actor: (event: VersionEventRow) => ({ __typename: 'User', id: event.actorId }),
      record: (event: VersionEventRow) => {
        const phase = PHASES[event.phase];
        return { __typename: isFullPhase(phase) ? phase.versionType : phase.recordType, id: event.versionId };
      },
    },
    Query: {
      phases: () => ALL_PHASES,
      versionEvent: async (_: unknown, args: { cursor: string }, context: WorkflowContext) => {
        requireUser(context);
        const { id } = decodeCursor(args.cursor, 'event');
        return context.event?.id === id ? context.event : events.byId(id);
      },
      phaseMetrics: async (_: unknown, args: { phase: PhaseName; cycleId?: string | null; reportId?: string | null }, context: WorkflowContext) => {
        requireUser(context);
        const cycleId = args.cycleId ? requireUuid(args.cycleId, 'cycleId') : null;
        const reportId = args.reportId ? requireUuid(args.reportId, 'reportId') : null;
        return { phase: args.phase, cycleId, reportId, ...(await events.metrics(args.phase, cycleId, reportId)) };
      },
      currentVersion: async (_: unknown, args: { phase: PhaseName; cycleId: string; reportId: string }, context: WorkflowContext) => {
        const phase = fullPhase(args.phase);
        const { current } = await call(phase, fullPhaseDocuments(phase).currentVersion, { cycleId: args.cycleId, reportId: args.reportId }, context);
        if (!current) throw notFound(`No ${phase.displayName} version is approved for cycle ${args.cycleId} and report ${args.reportId}.`);
        return versionStub(phase, current.id);
      },
      version: async (_: unknown, args: { phase: PhaseName; id: string }, context: WorkflowContext) => {
        const phase = fullPhase(args.phase);
        const { version } = await call(phase, fullPhaseDocuments(phase).version, { id: args.id }, context);
        return version && versionStub(phase, version.id);
      },
      versions: (_: unknown, args: PageArgs & { status?: VersionStatus | null }, context: WorkflowContext) => versionPage(fullPhase(args.phase), args, context),
      auditTrail: (_: unknown, args: PageArgs, context: WorkflowContext) => {
        const phase = PHASES[args.phase];
        return isFullPhase(phase) ? versionPage(phase, args, context) : recordPage(phase, args, context);
      },
    },
    Mutation: {
      createVersion: async (_: unknown, { input }: { input: CreateVersionInput }, context: WorkflowContext) => {
        const phase = PHASES[input.phase];
        if (isFullPhase(phase)) {
          const { created } = await call(
            phase,
            fullPhaseDocuments(phase).createVersion,
            { cycleId: input.cycleId, reportId: input.reportId, data: input.data, parentVersionId: input.parentVersionId ?? null, items: input.items ?? null },
            context,
          );
          return versionStub(phase, created.id);
        }
        if (input.parentVersionId || input.items?.length) {
          throw badUserInput(`${phase.displayName} is an AUDIT_ONLY phase: its records take neither parentVersionId nor items.`, { argument: 'input' });
        }
        const { created } = await call(
          phase,
          auditPhaseDocuments(phase).appendRecord,
          { cycleId: input.cycleId, reportId: input.reportId, data: input.data },
          context,
        );
        return { __typename: phase.recordType, id: created.id };
      },
      approveVersion: async (_: unknown, args: { phase: PhaseName; versionId: string; notes?: string | null }, context: WorkflowContext) => {
        const phase = fullPhase(args.phase, 'approved');
        const { reviewed } = await call(phase, fullPhaseDocuments(phase).approveVersion, { id: args.versionId, notes: args.notes ?? null }, context);
        return versionStub(phase, reviewed.id);
      },
      rejectVersion: async (_: unknown, args: { phase: PhaseName; versionId: string; notes: string }, context: WorkflowContext) => {
        const phase = fullPhase(args.phase, 'rejected');
        const { reviewed } = await call(phase, fullPhaseDocuments(phase).rejectVersion, { id: args.versionId, notes: args.notes }, context);
        return versionStub(phase, reviewed.id);
      },
      reviewDecisions: async (_: unknown, args: { phase: PhaseName; versionId: string; reviews: DecisionReviewInput[] }, context: WorkflowContext) => {
        const phase = fullPhase(args.phase);
        const { reviewed } = await call(phase, fullPhaseDocuments(phase).reviewDecisions, { versionId: args.versionId, reviews: args.reviews }, context);
        return reviewed.map((decision) => ({ __typename: phase.decisionType, id: decision.id }));
      },
      createVersionFromBaseline: async (
        _: unknown,
        args: { phase: PhaseName; baselineVersionId: string; additionalItems?: DecisionInput[] | null },
        context: WorkflowContext,
      ) => {
        const phase = fullPhase(args.phase);
        const { created } = await call(
          phase,
          fullPhaseDocuments(phase).createVersionFromBaseline,
          { baselineVersionId: args.baselineVersionId, additionalItems: args.additionalItems ?? null },
          context,
        );
        return versionStub(phase, created.id);
      },
    },
  };

  return buildSubgraphSchema({ typeDefs: workflowTypeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> });
}

/** The FULL phase named; an AUDIT_ONLY phase has no versions to read (or approve, or reject). */
function fullPhase(name: PhaseName, outcome?: 'approved' | 'rejected'): FullPhase {
  const phase = PHASES[name];
  if (isFullPhase(phase)) return phase;
  throw badUserInput(
    outcome
      ? `${phase.displayName} is an AUDIT_ONLY phase: its records cannot be ${outcome}.`
      : `${phase.displayName} is an AUDIT_ONLY phase: it has no versions; read its auditTrail.`,
    { argument: 'phase' },
  );
}

function pageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) throw badUserInput(`first must be between 1 and ${MAX_PAGE_SIZE}.`, { argument: 'first' });
  return size;
}

/** A Relay connection from a subgraph's page, which says itself whether another page follows. */
function connection<Row, Edge extends { cursor: string }>(page: { nodes: Row[]; hasNextPage: boolean }, afterCursor: boolean, edge: (row: Row) => Edge) {
  const edges = page.nodes.map(edge);
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: afterCursor,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
