// The Scoping subgraph: numbered, approvable versions of the scope and its scoping decisions. The kit builds it; this names its phase and says what its data means.
import { phaseSubgraph } from '@phasegraph/kit';

export const subgraph = phaseSubgraph('SCOPING', {
  version: "A version of what is in scope for a report's test. Approved by an owner of the report.",
  data: 'The scoping data of this version.',
  decisions: 'The scoping decisions on the attributes in this version.',
  item: 'The attribute scoped in or out (a UUID, stable across versions).',
});
