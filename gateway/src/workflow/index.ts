// The workflow subgraph, run in the gateway's process: `phases`, and the unified version operations, which
// dispatch to the owning phase subgraph's own operations and return `{ __typename, id }`; the query planner then
// fetches every other selected field from that subgraph through `_entities`. This file wires its parts together.
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { DateTimeScalar, JSONScalar, type SubgraphDirectory } from '@phasegraph/kit';
import type { GraphQLSchema } from 'graphql';
import type { ActivityLog } from '../events/activity-log';
import type { VersionEventLog } from '../events/version-event-log';
import type { WorkflowContext } from './context';
import { phaseCall } from './dispatch';
import { activityFields, historyQueries } from './history';
import { mutations } from './mutations';
import { queries, versionEventFields } from './queries';
import { workflowTypeDefs } from './type-defs';

export { DEFAULT_PAGE_SIZE } from './connections';
export type { WorkflowContext } from './context';
export { workflowTypeDefs } from './type-defs';

export function buildWorkflowSchema(subgraphs: SubgraphDirectory, events: VersionEventLog, activity: ActivityLog): GraphQLSchema {
  const call = phaseCall(subgraphs);
  const resolvers: GraphQLResolverMap<WorkflowContext> = {
    JSON: JSONScalar,
    DateTime: DateTimeScalar,
    VersionEvent: versionEventFields,
    Activity: activityFields,
    Query: { ...queries(call, events), ...historyQueries(call, events, activity, subgraphs) },
    Mutation: mutations(call),
  };
  return buildSubgraphSchema({ typeDefs: workflowTypeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> });
}
