// The compat subgraph: the legacy system's report attributes and sample sets, served to old clients in legacy shape.
import { defineSubgraph, kitSdl, readSdlFile, sharedSdl, subgraphTypeDefs } from '@phasegraph/kit';
import { compatResolvers } from './resolvers';

export const subgraph = defineSubgraph(
  'compat',
  subgraphTypeDefs(sharedSdl('scalars', 'enums'), kitSdl('user-reference'), readSdlFile(new URL('./schema.graphql', import.meta.url))),
  (prisma, runtime) => compatResolvers(prisma, runtime),
);
