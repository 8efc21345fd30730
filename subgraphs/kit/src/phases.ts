// The phase registry: the eight phases of the testing lifecycle and how each is versioned and approved.
// This is the only place a phase is spelled out; everything else looks phases up here.

/** The phases, in lifecycle order, as the `PhaseName` GraphQL enum spells them. */
export const PHASE_NAMES = [
  'PLANNING',
  'DATA_PROFILING',
  'SCOPING',
  'SAMPLE_SELECTION',
  'DATA_OWNER_ID',
  'REQUEST_INFO',
  'TEST_EXECUTION',
  'OBSERVATION_MANAGEMENT',
] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];

export type VersioningType = 'FULL' | 'AUDIT_ONLY';
export type ApproverRole = 'TESTER' | 'REPORT_OWNER';
export const USER_ROLES = ['TESTER', 'TEST_LEAD', 'TEST_MANAGER', 'REPORT_OWNER', 'DATA_OWNER', 'ADMIN'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** What every phase has: its name, how it is versioned, and the subgraph that owns its data. */
interface PhaseBase {
  name: PhaseName;
  displayName: string;
  /** The Prisma model holding the phase's versions or records (`Phase.dataModel`). */
  dataModel: string;
  /** The subgraph's name: its folder under `subgraphs/` and its name in the supergraph. */
  subgraph: string;
  /** Prefix of the subgraph's own (internal) root fields, e.g. `planningCreateVersion`. */
  fieldPrefix: string;
  /**
   * Four eyes: the author of a version may not approve, reject or review it; another approver must. In a regulated
   * testing workflow the author of a piece of work never signs it off. Always false where nothing is approved.
   */
  fourEyes: boolean;
}

/** A FULL phase: numbered versions with per-item decisions, approved by `approverRole`. */
export interface FullPhase extends PhaseBase {
  versioningType: 'FULL';
  approvalRequired: true;
  approverRole: ApproverRole;
  /** GraphQL type of a version, e.g. `PlanningVersion`, and of its decisions. */
  versionType: string;
  decisionType: string;
  /** Prisma client properties of the version and decision models. */
  versionModel: string;
  decisionModel: string;
  /** Their tables, schema-qualified (the kit's write path is SQL: Prisma's query builder costs 3× the SQL's CPU). */
  versionTable: string;
  decisionTable: string;
}

/** An AUDIT_ONLY phase: an append-only trail of records, never approved. */
export interface AuditPhase extends PhaseBase {
  versioningType: 'AUDIT_ONLY';
  approvalRequired: false;
  approverRole: null;
  /** GraphQL type of a record, e.g. `DataOwnerAssignment`. */
  recordType: string;
  recordModel: string;
}

export type Phase = FullPhase | AuditPhase;

/** The roles that may approve a phase whose approver is TESTER. */
export const TESTER_ROLES: readonly UserRole[] = ['TESTER', 'TEST_LEAD', 'TEST_MANAGER'];

function full(
  name: PhaseName,
  displayName: string,
  subgraph: string,
  fieldPrefix: string,
  approverRole: ApproverRole,
  dataModel: string,
  versionType: string,
  decisionType: string,
  tables: { versions: string; decisions: string },
  fourEyes = true,
): FullPhase {
  return {
    name,
    displayName,
    subgraph,
    fieldPrefix,
    fourEyes,
    versioningType: 'FULL',
    approvalRequired: true,
    approverRole,
    dataModel,
    versionType,
    decisionType,
    versionModel: lowerFirst(dataModel),
    decisionModel: lowerFirst(decisionType),
    versionTable: `${databaseSchema(subgraph)}.${tables.versions}`,
    decisionTable: `${databaseSchema(subgraph)}.${tables.decisions}`,
  };
}

function audit(name: PhaseName, displayName: string, subgraph: string, fieldPrefix: string, dataModel: string): AuditPhase {
  return {
    name,
    displayName,
    subgraph,
    fieldPrefix,
    fourEyes: false,
    versioningType: 'AUDIT_ONLY',
    approvalRequired: false,
    approverRole: null,
    dataModel,
    recordType: dataModel,
    recordModel: lowerFirst(dataModel),
  };
}

export const PHASES: Readonly<Record<PhaseName, Phase>> = {
  PLANNING: full('PLANNING', 'Planning', 'planning', 'planning', 'TESTER', 'PlanningPhaseVersion', 'PlanningVersion', 'AttributeDecision', {
    versions: 'planning_phase_versions',
    decisions: 'attribute_decisions',
  }),
  DATA_PROFILING: full(
    'DATA_PROFILING',
    'Data Profiling',
    'data-profiling',
    'dataProfiling',
    'REPORT_OWNER',
    'DataProfilingVersion',
    'DataProfilingVersion',
    'RuleDecision',
    { versions: 'data_profiling_versions', decisions: 'rule_decisions' },
  ),
  SCOPING: full('SCOPING', 'Scoping', 'scoping', 'scoping', 'REPORT_OWNER', 'ScopingVersion', 'ScopingVersion', 'ScopingDecision', {
    versions: 'scoping_versions',
    decisions: 'scoping_decisions',
  }),
  SAMPLE_SELECTION: full(
    'SAMPLE_SELECTION',
    'Sample Selection',
    'sample-selection',
    'sampleSelection',
    'REPORT_OWNER',
    'SampleSelectionVersion',
    'SampleSelectionVersion',
    'SampleDecision',
    { versions: 'sample_selection_versions', decisions: 'sample_decisions' },
  ),
  DATA_OWNER_ID: audit('DATA_OWNER_ID', 'Data Owner ID', 'data-owner-id', 'dataOwnerId', 'DataOwnerAssignment'),
  REQUEST_INFO: audit('REQUEST_INFO', 'Request Info', 'request-info', 'requestInfo', 'DocumentSubmission'),
  TEST_EXECUTION: audit('TEST_EXECUTION', 'Test Execution', 'test-execution', 'testExecution', 'TestExecutionAudit'),
  OBSERVATION_MANAGEMENT: full(
    'OBSERVATION_MANAGEMENT',
    'Observation Management',
    'observation-management',
    'observationManagement',
    'REPORT_OWNER',
    'ObservationVersion',
    'ObservationVersion',
    'ObservationDecision',
    { versions: 'observation_versions', decisions: 'observation_decisions' },
  ),
};

/** Every phase, in lifecycle order. */
export const ALL_PHASES: readonly Phase[] = PHASE_NAMES.map((name) => PHASES[name]);

export function isFullPhase(phase: Phase): phase is FullPhase {
  return phase.versioningType === 'FULL';
}

/** A subgraph's PostgreSQL schema: its name in snake case (`@@schema` in its Prisma file). */
function databaseSchema(subgraph: string): string {
  return subgraph.replaceAll('-', '_');
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
