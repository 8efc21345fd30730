// The Data Profiling subgraph: numbered, approvable versions of the profiling rules and their rule decisions. Its types are in schema.graphql; the kit supplies the rest.
import { phaseSubgraph } from '@phasegraph/kit';

export const subgraph = phaseSubgraph('DATA_PROFILING', new URL('./schema.graphql', import.meta.url));
