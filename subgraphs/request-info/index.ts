// The Request Info subgraph: the append-only audit trail of document submissions. Its types are in schema.graphql; the kit supplies the rest.
import { phaseSubgraph } from '@phasegraph/kit';

export const subgraph = phaseSubgraph('REQUEST_INFO', new URL('./schema.graphql', import.meta.url));
