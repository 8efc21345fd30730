// The Scoping subgraph: numbered, approvable versions of the scope and its scoping decisions. Its types are in schema.graphql; the kit supplies the rest.
import { phaseSubgraph } from '@phasegraph/kit';

export const subgraph = phaseSubgraph('SCOPING', new URL('./schema.graphql', import.meta.url));
