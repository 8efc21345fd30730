// A frontend's view: the real Apollo Client against the running gateway, over HTTP and graphql-ws, set up as
// docs/clients.md says. Fields selected on an interface's fragment arrive, and the cache keeps one entry per version
// (`__typename` and `id`), so an approval heard on a subscription shows in every later read of that version.
import { filter, firstValueFrom } from 'rxjs';
import { newRecord, newUser } from './support/api';
import { apolloClientFor, type TestApolloClient } from './support/apollo-client';
import { APPROVE_VERSION, CREATE_VERSION, CURRENT_VERSION, PHASES, VERSION_APPROVED, VERSION_IN_CACHE } from './support/client-operations';
import { FROM_THE_START } from './support/subscriptions';

type CreatedVersion = {
  __typename: string;
  id: string;
  phase: string;
  versionNumber?: number;
  status?: string;
  createdBy?: { id: string; name: string };
};

describe('Apollo Client against the gateway', () => {
  const author = newUser('TESTER');
  const approver = newUser('TESTER');
  const clients: TestApolloClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  const clientFor = (user: typeof author) => {
    const client = apolloClientFor(user);
    clients.push(client);
    return client.client;
  };

  it('runs queries, mutations and a subscription, keeping fragment fields on interfaces and one cache entry per version', async () => {
    const mine = clientFor(author);
    const theirs = clientFor(approver);
    const record = newRecord();

    const { data: phases } = await mine.query<{ phases: { name: string; versioningType: string; fourEyes: boolean }[] }>({ query: PHASES });
    expect(phases?.phases).toContainEqual({ __typename: 'Phase', name: 'PLANNING', versioningType: 'FULL', fourEyes: true });

    const { data: created } = await mine.mutate<{ createVersion: CreatedVersion }>({
      mutation: CREATE_VERSION,
      variables: { input: { phase: 'PLANNING', ...record, data: { objective: 'Q3' } } },
    });
    const version = created!.createVersion;
    // The fields under `... on Version`: Apollo Client keeps them only when it knows PlanningVersion is a Version.
    expect(version).toMatchObject({ __typename: 'PlanningVersion', phase: 'PLANNING', versionNumber: 1, status: 'DRAFT', createdBy: { id: author.id } });

    // From the start of this report's log: the approval is heard whenever it commits, before or after the socket opens.
    const approval = firstValueFrom(
      mine
        .subscribe<{ versionApproved: { versionId: string; record: { status: string } } }>({
          query: VERSION_APPROVED,
          variables: { reportId: record.reportId, after: FROM_THE_START },
        })
        .pipe(filter((result) => result.data?.versionApproved.versionId === version.id)),
    );
    await theirs.mutate({ mutation: APPROVE_VERSION, variables: { phase: 'PLANNING', versionId: version.id, notes: 'Plan agreed' } });
    const { data: event } = await approval;
    expect(event?.versionApproved).toMatchObject({
      type: 'APPROVED',
      actor: { id: approver.id },
      record: { __typename: 'PlanningVersion', id: version.id, status: 'APPROVED', reviewNotes: 'Plan agreed' },
    });

    // The author never asked for the version again: the event's record updated the entry its creation wrote.
    const cacheId = mine.cache.identify(version);
    expect(cacheId).toBe(`PlanningVersion:${version.id}`);
    expect(mine.readFragment({ id: cacheId, fragment: VERSION_IN_CACHE })).toMatchObject({ status: 'APPROVED', reviewNotes: 'Plan agreed', versionNumber: 1 });

    // A later query of the same version lands in that same entry.
    const { data: current } = await mine.query<{ currentVersion: { id: string; status: string } }>({ query: CURRENT_VERSION, variables: record });
    expect(mine.cache.identify(current!.currentVersion)).toBe(cacheId);
    expect(Object.keys(mine.cache.extract() as Record<string, unknown>).filter((key) => key.endsWith(version.id))).toEqual([cacheId]);
  });
});
