// The identity subgraph: the User entity (everyone phasegraph has seen) and report owner assignments.
import { defineSubgraph, readSdlFile, sharedSdl, subgraphTypeDefs } from '@phasegraph/kit';
import { identityResolvers } from './resolvers';

export const subgraph = defineSubgraph(
  'identity',
  subgraphTypeDefs(sharedSdl('scalars'), readSdlFile(new URL('./schema.graphql', import.meta.url))),
  (prisma) => identityResolvers(prisma),
);
