// Dispatch by phase: the phase an operation names, a call to that phase's subgraph with the phase's own copy of an
// internal document, and the `{ __typename, id }` stubs the query planner completes through `_entities`.
import {
  PHASES,
  badUserInput,
  isFullPhase,
  requireUser,
  type AuditPhase,
  type FullPhase,
  type Phase,
  type PhaseName,
  type SubgraphDirectory,
  type TypedDocumentNode,
} from '@phasegraph/kit';
import type { WorkflowContext } from './context';

/** Runs `document` on `phase`'s subgraph as the request's user (UNAUTHENTICATED without one). */
export type PhaseCall = <Result, Variables extends Record<string, unknown>>(
  phase: Phase,
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
  context: WorkflowContext,
) => Promise<Result>;

export function phaseCall(subgraphs: SubgraphDirectory): PhaseCall {
  // The gateway request's context is the call's scope: in process, the phase subgraph's DataLoaders that the call
  // primes then serve the planner's `_entities` fetch of the same request.
  return (phase, document, variables, context) => subgraphs.client(phase.subgraph).request(document, variables, requireUser(context), context);
}

/** The FULL phase named; an AUDIT_ONLY phase has no versions to read (or approve, or reject). */
export function fullPhase(name: PhaseName, outcome?: 'approved' | 'rejected'): FullPhase {
  const phase = PHASES[name];
  if (isFullPhase(phase)) return phase;
  throw badUserInput(
    outcome
      ? `${phase.displayName} is an AUDIT_ONLY phase: its records cannot be ${outcome}.`
      : `${phase.displayName} is an AUDIT_ONLY phase: it has no versions; read its auditTrail.`,
    { argument: 'phase' },
  );
}

export function versionStub(phase: FullPhase, id: string) {
  return { __typename: phase.versionType, id };
}

export function decisionStub(phase: FullPhase, id: string) {
  return { __typename: phase.decisionType, id };
}

export function recordStub(phase: AuditPhase, id: string) {
  return { __typename: phase.recordType, id };
}
