// Records each user the gateway sees with the identity subgraph, so `createdBy` and friends resolve to a User.
// A user is recorded the first time this process sees them and again whenever their claims change.
import type { Identity, SubgraphClient, SubgraphDirectory } from '@phasegraph/kit';

const RECORD_USER = 'mutation RecordUser { recordUser { id } }';

export class UserRecorder {
  private readonly identity: SubgraphClient;
  /** The claims last recorded per user id (as JSON), or the recording under way. */
  private readonly recorded = new Map<string, { claims: string; done: Promise<void> }>();

  constructor(subgraphs: SubgraphDirectory) {
    this.identity = subgraphs.client('identity');
  }

  async ensureRecorded(user: Identity): Promise<void> {
    const claims = JSON.stringify(user);
    const known = this.recorded.get(user.id);
    if (known?.claims === claims) return known.done;
    const done = this.identity.request(RECORD_USER, {}, user).then(() => undefined);
    this.recorded.set(user.id, { claims, done });
    // A failed recording is forgotten so that the next request tries again.
    done.catch(() => this.recorded.get(user.id)?.done === done && this.recorded.delete(user.id));
    return done;
  }
}
