// The phase registry, as clients read it through the gateway.
import { gql, stack } from './support/api';

describe('phases', () => {
  it('lists the eight phases with their versioning and approval (four eyes for every FULL phase), without sign-in', async () => {
    const result = await gql('{ phases { name displayName versioningType approvalRequired approverRole dataModel fourEyes } }');
    expect(result.errors).toBeUndefined();
    expect(result.data!.phases).toEqual([
      {
        name: 'PLANNING',
        displayName: 'Planning',
        versioningType: 'FULL',
        approvalRequired: true,
        approverRole: 'TESTER',
        dataModel: 'PlanningPhaseVersion',
        fourEyes: true,
      },
      {
        name: 'DATA_PROFILING',
        displayName: 'Data Profiling',
        versioningType: 'FULL',
        approvalRequired: true,
        approverRole: 'REPORT_OWNER',
        dataModel: 'DataProfilingVersion',
        fourEyes: true,
      },
      {
        name: 'SCOPING',
        displayName: 'Scoping',
        versioningType: 'FULL',
        approvalRequired: true,
        approverRole: 'REPORT_OWNER',
        dataModel: 'ScopingVersion',
        fourEyes: true,
      },
      {
        name: 'SAMPLE_SELECTION',
        displayName: 'Sample Selection',
        versioningType: 'FULL',
        approvalRequired: true,
        approverRole: 'REPORT_OWNER',
        dataModel: 'SampleSelectionVersion',
        fourEyes: true,
      },
      {
        name: 'DATA_OWNER_ID',
        displayName: 'Data Owner ID',
        versioningType: 'AUDIT_ONLY',
        approvalRequired: false,
        approverRole: null,
        dataModel: 'DataOwnerAssignment',
        fourEyes: false,
      },
      {
        name: 'REQUEST_INFO',
        displayName: 'Request Info',
        versioningType: 'AUDIT_ONLY',
        approvalRequired: false,
        approverRole: null,
        dataModel: 'DocumentSubmission',
        fourEyes: false,
      },
      {
        name: 'TEST_EXECUTION',
        displayName: 'Test Execution',
        versioningType: 'AUDIT_ONLY',
        approvalRequired: false,
        approverRole: null,
        dataModel: 'TestExecutionAudit',
        fourEyes: false,
      },
      {
        name: 'OBSERVATION_MANAGEMENT',
        displayName: 'Observation Management',
        versioningType: 'FULL',
        approvalRequired: true,
        approverRole: 'REPORT_OWNER',
        dataModel: 'ObservationVersion',
        fourEyes: true,
      },
    ]);
  });

  it('answers /health with 200 once the gateway and every subgraph are ready', async () => {
    const response = await fetch(new URL('/health', stack.gatewayUrl));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('serves Apollo Sandbox to browsers at /graphql', async () => {
    const response = await fetch(stack.gatewayUrl, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/sandbox/i);
  });

  it('describes every type and field of the public schema, for Sandbox', async () => {
    const result = await gql(`{ __schema { types { name kind description fields { name description } } } }`);
    const undocumented = result
      .data!.__schema.types.filter(
        (type: { name: string; kind: string }) => !type.name.startsWith('__') && !['String', 'Boolean', 'Int', 'Float', 'ID'].includes(type.name),
      )
      .flatMap((type: { name: string; description: string | null; fields: { name: string; description: string | null }[] | null }) => [
        ...(type.description ? [] : [type.name]),
        ...(type.fields ?? []).filter((field) => !field.description).map((field) => `${type.name}.${field.name}`),
      ]);
    expect(undocumented).toEqual([]);
  });
});
