// The workflow's mutations: each calls the owning phase subgraph's own operation and returns a stub of what it wrote.
import { PHASES, auditPhaseDocuments, badUserInput, fullPhaseDocuments, isFullPhase, type PhaseName } from '@phasegraph/kit';
import type { WorkflowContext } from './context';
import { decisionStub, fullPhase, recordStub, versionStub, type PhaseCall } from './dispatch';

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

/** createVersion's input. */
interface CreateVersionInput {
  phase: PhaseName;
  cycleId: string;
  reportId: string;
  data: unknown;
  parentVersionId?: string | null;
  items?: DecisionInput[] | null;
}

/** What every writing mutation takes besides its own arguments: a key that makes a retry safe (API.md). */
interface Keyed {
  idempotencyKey?: string | null;
}

/** The Mutation fields. The phase subgraph holds the key: it is stored in the transaction of the write it names. */
export function mutations(call: PhaseCall) {
  return {
    createVersion: async (_: unknown, { input, idempotencyKey = null }: Keyed & { input: CreateVersionInput }, context: WorkflowContext) => {
      const phase = PHASES[input.phase];
      if (isFullPhase(phase)) {
        const { created } = await call(
          phase,
          fullPhaseDocuments(phase).createVersion,
          {
            cycleId: input.cycleId,
            reportId: input.reportId,
            data: input.data,
            parentVersionId: input.parentVersionId ?? null,
            items: input.items ?? null,
            idempotencyKey,
          },
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
        { cycleId: input.cycleId, reportId: input.reportId, data: input.data, idempotencyKey },
        context,
      );
      return recordStub(phase, created.id);
    },
    approveVersion: async (_: unknown, args: Keyed & { phase: PhaseName; versionId: string; notes?: string | null }, context: WorkflowContext) => {
      const phase = fullPhase(args.phase, 'approved');
      const { reviewed } = await call(
        phase,
        fullPhaseDocuments(phase).approveVersion,
        { id: args.versionId, notes: args.notes ?? null, idempotencyKey: args.idempotencyKey ?? null },
        context,
      );
      return versionStub(phase, reviewed.id);
    },
    rejectVersion: async (_: unknown, args: Keyed & { phase: PhaseName; versionId: string; notes: string }, context: WorkflowContext) => {
      const phase = fullPhase(args.phase, 'rejected');
      const { reviewed } = await call(
        phase,
        fullPhaseDocuments(phase).rejectVersion,
        { id: args.versionId, notes: args.notes, idempotencyKey: args.idempotencyKey ?? null },
        context,
      );
      return versionStub(phase, reviewed.id);
    },
    reviewDecisions: async (_: unknown, args: Keyed & { phase: PhaseName; versionId: string; reviews: DecisionReviewInput[] }, context: WorkflowContext) => {
      const phase = fullPhase(args.phase);
      const { reviewed } = await call(
        phase,
        fullPhaseDocuments(phase).reviewDecisions,
        { versionId: args.versionId, reviews: args.reviews, idempotencyKey: args.idempotencyKey ?? null },
        context,
      );
      return reviewed.map((decision) => decisionStub(phase, decision.id));
    },
    createVersionFromBaseline: async (
      _: unknown,
      args: Keyed & { phase: PhaseName; baselineVersionId: string; additionalItems?: DecisionInput[] | null },
      context: WorkflowContext,
    ) => {
      const phase = fullPhase(args.phase);
      const { created } = await call(
        phase,
        fullPhaseDocuments(phase).createVersionFromBaseline,
        { baselineVersionId: args.baselineVersionId, additionalItems: args.additionalItems ?? null, idempotencyKey: args.idempotencyKey ?? null },
        context,
      );
      return versionStub(phase, created.id);
    },
  };
}
