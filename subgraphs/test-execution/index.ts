// The Test Execution subgraph: the append-only audit trail of test executions. Its types are in schema.graphql; the kit supplies the rest.
import { phaseSubgraph } from '@phasegraph/kit';

export const subgraph = phaseSubgraph('TEST_EXECUTION', new URL('./schema.graphql', import.meta.url));
