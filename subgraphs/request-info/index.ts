// The Request Info subgraph: the append-only audit trail of document submissions. The kit builds it; this names its phase and says what its records mean.
import { phaseSubgraph } from '@phasegraph/kit';

export const subgraph = phaseSubgraph('REQUEST_INFO', {
  record: 'An entry in the Request Info audit trail: a document requested from or submitted by a data owner. Append-only.',
  data: 'The submission: e.g. the document, the request it answers, the action.',
});
