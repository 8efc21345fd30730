// The Data Owner ID subgraph: the append-only audit trail of data owner assignments. Its types are in schema.graphql; the kit supplies the rest.
import { phaseSubgraph } from '@phasegraph/kit';

export const subgraph = phaseSubgraph('DATA_OWNER_ID', new URL('./schema.graphql', import.meta.url));
