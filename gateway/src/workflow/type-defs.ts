// The workflow subgraph's SDL: the shared SDL, its own schema.graphql and history.graphql, and a stub of each concrete version and record
// type, generated from the phase registry (the owning phase subgraph resolves every other field).
import { ALL_PHASES, isFullPhase, readSdlFile, sharedSdl, subgraphTypeDefs } from '@phasegraph/kit';
import type { DocumentNode } from 'graphql';

export const workflowTypeDefs: DocumentNode = subgraphTypeDefs(
  sharedSdl('scalars', 'enums', 'inputs'),
  readSdlFile(new URL('./schema.graphql', import.meta.url)),
  readSdlFile(new URL('./history.graphql', import.meta.url)),
  concreteTypeStubs(),
);

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
