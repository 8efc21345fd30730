// The operations the gateway's workflow and the compat subgraph send to a phase's subgraph, as typed documents:
// written once in subgraphs/kit/documents/, each phase's copy generated from the registry by `npm run codegen`.
import type { ResultOf, TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { AuditPhaseDocuments } from './typed-documents/audit-phase';
import type { FullPhaseDocuments } from './typed-documents/full-phase';
import { AUDIT_PHASE_DOCUMENTS, FULL_PHASE_DOCUMENTS } from './typed-documents/index';
import type { AuditPhase, FullPhase, Phase, PhaseName } from './phases';

export type { AuditPhaseDocuments, FullPhaseDocuments, ResultOf, TypedDocumentNode };

// The generated tables satisfy these types already; read by any phase's name (which does not say FULL or AUDIT_ONLY
// in the type system), the one asked for may be missing.
const fullDocuments: { readonly [Name in PhaseName]?: FullPhaseDocuments } = FULL_PHASE_DOCUMENTS;
const auditDocuments: { readonly [Name in PhaseName]?: AuditPhaseDocuments } = AUDIT_PHASE_DOCUMENTS;

/** FULL `phase`'s copy of each document, by operation. */
export function fullPhaseDocuments(phase: FullPhase): FullPhaseDocuments {
  return fullDocuments[phase.name] ?? notGenerated(phase);
}

/** AUDIT_ONLY `phase`'s copy of each document, by operation. */
export function auditPhaseDocuments(phase: AuditPhase): AuditPhaseDocuments {
  return auditDocuments[phase.name] ?? notGenerated(phase);
}

function notGenerated(phase: Phase): never {
  throw new Error(`No documents were generated for ${phase.name} (${phase.versioningType}): run \`npm run codegen\`.`);
}
