// What the workflow's resolvers see of a gateway request.
import type { Identity } from '@phasegraph/kit';
import type { VersionEventRow } from '../events/version-event-log';

/** What the workflow's resolvers see of a gateway request. */
export interface WorkflowContext {
  identity: Identity | null;
  requestId: string;
  /** The request's W3C `traceparent`, passed on to the subgraphs it calls over HTTP. */
  traceparent?: string;
  /** The event a subscription is delivering, already read from the log (saves reading it again per subscriber). */
  event?: VersionEventRow;
}
