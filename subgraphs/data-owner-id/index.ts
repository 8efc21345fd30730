// The Data Owner ID subgraph: the append-only audit trail of data owner assignments. The kit builds it; this names its phase and says what its records mean.
import { phaseSubgraph } from '@phasegraph/kit';

export const subgraph = phaseSubgraph('DATA_OWNER_ID', {
  record: 'An entry in the Data Owner ID audit trail: a data owner assigned to (or released from) data of a report. Append-only.',
  data: 'The assignment: e.g. the data owner, the attributes, the action.',
});
