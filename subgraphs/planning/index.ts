// The Planning subgraph: numbered, approvable versions of the test plan and its attribute decisions; approved by testers. Its types are in schema.graphql; the kit supplies the rest.
import { phaseSubgraph } from '@phasegraph/kit';

export const subgraph = phaseSubgraph('PLANNING', new URL('./schema.graphql', import.meta.url));
