// The phase registry: the eight phases of the testing lifecycle and how each is versioned and approved.
// This is the only place a phase is spelled out. `npm run generate` derives the rest from it (the PhaseName enum,
// each phase's Prisma models, its subgraph folder, the gateway's subgraph list, the docker-compose services), and
// everything else looks phases up here. README, "Add a phase", says how.
import type { AuditModel, DecisionModel, Db, VersionModel } from './phase-models';

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
interface PhaseBase<Subgraph extends string = string> {
  name: PhaseName;
  displayName: string;
  /** What the phase is about, in a few words: the `PhaseName` value's description starts with it. */
  summary: string;
  /** The subgraph's name: its folder under `subgraphs/`, its npm package and its name in the supergraph. */
  subgraph: Subgraph;
  /** Prefix of the subgraph's own (internal) root fields, e.g. `planningCreateVersion`. */
  fieldPrefix: string;
  /** The PostgreSQL schema holding the subgraph's tables (`@@schema`): its name in snake case. */
  databaseSchema: string;
  /** The Prisma model holding the phase's versions or records (`Phase.dataModel`). */
  dataModel: string;
  /**
   * Four eyes: the author of a version may not approve, reject or review it; another approver must. In a regulated
   * testing workflow the author of a piece of work never signs it off. Always false where nothing is approved.
   */
  fourEyes: boolean;
}

/** What a FULL phase's data and decisions mean, for the descriptions analysts read in Sandbox. */
export interface FullPhaseDescriptions {
  version: string;
  data: string;
  decisions: string;
  item: string;
}

/** What an AUDIT_ONLY phase's records mean. */
export interface AuditPhaseDescriptions {
  record: string;
  data: string;
}

/** A FULL phase: numbered versions with per-item decisions, approved by `approverRole`. */
export interface FullPhase<Subgraph extends string = string> extends PhaseBase<Subgraph> {
  versioningType: 'FULL';
  approvalRequired: true;
  approverRole: ApproverRole;
  /** GraphQL type of a version, e.g. `PlanningVersion`, and of its decisions (also the decision's Prisma model). */
  versionType: string;
  decisionType: string;
  /** Their tables, schema-qualified (the kit's write path is SQL: Prisma's query builder costs 3× the SQL's CPU). */
  versionTable: string;
  decisionTable: string;
  /** The PostgreSQL enum types of their `status` columns, schema-qualified. */
  versionStatusType: string;
  decisionStatusType: string;
  descriptions: FullPhaseDescriptions;
  /** The phase's models in a Prisma client or transaction. */
  versions: (db: Db) => VersionModel;
  decisions: (db: Db) => DecisionModel;
}

/** An AUDIT_ONLY phase: an append-only trail of records, never approved. */
export interface AuditPhase<Subgraph extends string = string> extends PhaseBase<Subgraph> {
  versioningType: 'AUDIT_ONLY';
  approvalRequired: false;
  approverRole: null;
  /** GraphQL type of a record, e.g. `DataOwnerAssignment` (also its Prisma model). */
  recordType: string;
  recordTable: string;
  descriptions: AuditPhaseDescriptions;
  records: (db: Db) => AuditModel;
}

export type Phase = FullPhase | AuditPhase;

/** The roles that may approve a phase whose approver is TESTER. */
export const TESTER_ROLES: readonly UserRole[] = ['TESTER', 'TEST_LEAD', 'TEST_MANAGER'];

/** What a registry entry spells out; the rest follows from it. */
interface PhaseDefinition<Subgraph extends string> {
  name: PhaseName;
  displayName: string;
  summary: string;
  subgraph: Subgraph;
  fieldPrefix: string;
}

function full<const Subgraph extends string>(
  definition: PhaseDefinition<Subgraph> & {
    approverRole: ApproverRole;
    fourEyes?: boolean;
    /** The version's Prisma model, when it is not named as its GraphQL type. */
    versionModel?: string;
    versionType: string;
    decisionType: string;
    descriptions: FullPhaseDescriptions;
    versions: (db: Db) => VersionModel;
    decisions: (db: Db) => DecisionModel;
  },
): FullPhase<Subgraph> {
  const { versionModel, fourEyes = true, ...rest } = definition;
  const schema = databaseSchemaOf(definition.subgraph);
  const dataModel = versionModel ?? definition.versionType;
  return {
    ...rest,
    fourEyes,
    databaseSchema: schema,
    versioningType: 'FULL',
    approvalRequired: true,
    dataModel,
    versionTable: `${schema}.${tableOf(dataModel)}`,
    decisionTable: `${schema}.${tableOf(definition.decisionType)}`,
    versionStatusType: `${schema}.version_status`,
    decisionStatusType: `${schema}.decision_status`,
  };
}

function audit<const Subgraph extends string>(
  definition: PhaseDefinition<Subgraph> & { recordType: string; descriptions: AuditPhaseDescriptions; records: (db: Db) => AuditModel },
): AuditPhase<Subgraph> {
  const schema = databaseSchemaOf(definition.subgraph);
  return {
    ...definition,
    fourEyes: false,
    databaseSchema: schema,
    versioningType: 'AUDIT_ONLY',
    approvalRequired: false,
    approverRole: null,
    dataModel: definition.recordType,
    recordTable: `${schema}.${tableOf(definition.recordType)}`,
  };
}

export const PHASES = {
  PLANNING: full({
    name: 'PLANNING',
    displayName: 'Planning',
    summary: 'which report attributes are in the test',
    subgraph: 'planning',
    fieldPrefix: 'planning',
    approverRole: 'TESTER',
    versionModel: 'PlanningPhaseVersion',
    versionType: 'PlanningVersion',
    decisionType: 'AttributeDecision',
    descriptions: {
      version: "A version of a report's test plan: which attributes are tested. Approved by a tester (TESTER, TEST_LEAD or TEST_MANAGER).",
      data: 'The planning metadata of this version.',
      decisions: 'The decisions on the report attributes in this version.',
      item: 'The report attribute decided on (a UUID, stable across versions).',
    },
    versions: (db) => db.planningPhaseVersion,
    decisions: (db) => db.attributeDecision,
  }),
  DATA_PROFILING: full({
    name: 'DATA_PROFILING',
    displayName: 'Data Profiling',
    summary: 'the profiling rules',
    subgraph: 'data-profiling',
    fieldPrefix: 'dataProfiling',
    approverRole: 'REPORT_OWNER',
    versionType: 'DataProfilingVersion',
    decisionType: 'RuleDecision',
    descriptions: {
      version: "A version of a report's data profiling rules. Approved by an owner of the report.",
      data: 'The profiling data of this version.',
      decisions: 'The decisions on the profiling rules in this version.',
      item: 'The profiling rule decided on (a UUID, stable across versions).',
    },
    versions: (db) => db.dataProfilingVersion,
    decisions: (db) => db.ruleDecision,
  }),
  SCOPING: full({
    name: 'SCOPING',
    displayName: 'Scoping',
    summary: 'what is in scope',
    subgraph: 'scoping',
    fieldPrefix: 'scoping',
    approverRole: 'REPORT_OWNER',
    versionType: 'ScopingVersion',
    decisionType: 'ScopingDecision',
    descriptions: {
      version: "A version of what is in scope for a report's test. Approved by an owner of the report.",
      data: 'The scoping data of this version.',
      decisions: 'The scoping decisions on the attributes in this version.',
      item: 'The attribute scoped in or out (a UUID, stable across versions).',
    },
    versions: (db) => db.scopingVersion,
    decisions: (db) => db.scopingDecision,
  }),
  SAMPLE_SELECTION: full({
    name: 'SAMPLE_SELECTION',
    displayName: 'Sample Selection',
    summary: 'the samples to test',
    subgraph: 'sample-selection',
    fieldPrefix: 'sampleSelection',
    approverRole: 'REPORT_OWNER',
    versionType: 'SampleSelectionVersion',
    decisionType: 'SampleDecision',
    descriptions: {
      version: "A version of the samples selected for a report's test. Approved by an owner of the report.",
      data: 'The selection data of this version: selection criteria, target and actual sample sizes, generation methods.',
      decisions: 'The decisions on the samples in this version.',
      item: 'The sample decided on (a UUID, stable across versions).',
    },
    versions: (db) => db.sampleSelectionVersion,
    decisions: (db) => db.sampleDecision,
  }),
  DATA_OWNER_ID: audit({
    name: 'DATA_OWNER_ID',
    displayName: 'Data Owner ID',
    summary: 'who owns each data element',
    subgraph: 'data-owner-id',
    fieldPrefix: 'dataOwnerId',
    recordType: 'DataOwnerAssignment',
    descriptions: {
      record: 'An entry in the Data Owner ID audit trail: a data owner assigned to (or released from) data of a report. Append-only.',
      data: 'The assignment: e.g. the data owner, the attributes, the action.',
    },
    records: (db) => db.dataOwnerAssignment,
  }),
  REQUEST_INFO: audit({
    name: 'REQUEST_INFO',
    displayName: 'Request Info',
    summary: 'documents requested and submitted',
    subgraph: 'request-info',
    fieldPrefix: 'requestInfo',
    recordType: 'DocumentSubmission',
    descriptions: {
      record: 'An entry in the Request Info audit trail: a document requested from or submitted by a data owner. Append-only.',
      data: 'The submission: e.g. the document, the request it answers, the action.',
    },
    records: (db) => db.documentSubmission,
  }),
  TEST_EXECUTION: audit({
    name: 'TEST_EXECUTION',
    displayName: 'Test Execution',
    summary: 'the tests run and their results',
    subgraph: 'test-execution',
    fieldPrefix: 'testExecution',
    recordType: 'TestExecutionAudit',
    descriptions: {
      record: 'An entry in the Test Execution audit trail: a test run on a sample and its result. Append-only.',
      data: 'The execution: e.g. the test, the sample, the result.',
    },
    records: (db) => db.testExecutionAudit,
  }),
  OBSERVATION_MANAGEMENT: full({
    name: 'OBSERVATION_MANAGEMENT',
    displayName: 'Observation Management',
    summary: 'the findings',
    subgraph: 'observation-management',
    fieldPrefix: 'observationManagement',
    approverRole: 'REPORT_OWNER',
    versionType: 'ObservationVersion',
    decisionType: 'ObservationDecision',
    descriptions: {
      version: 'A version of the observations (findings) raised on a report. Approved by an owner of the report.',
      data: 'The observation data of this version.',
      decisions: 'The decisions on the observations in this version.',
      item: 'The observation decided on (a UUID, stable across versions).',
    },
    versions: (db) => db.observationVersion,
    decisions: (db) => db.observationDecision,
  }),
} as const satisfies Record<PhaseName, Phase>;

/** The name of a phase's subgraph. */
export type PhaseSubgraphName = (typeof PHASES)[PhaseName]['subgraph'];

/** Every phase, in lifecycle order. */
export const ALL_PHASES: readonly Phase[] = PHASE_NAMES.map((name) => PHASES[name]);

/** A phase of the registry, whichever it is. */
export type RegisteredPhase = (typeof PHASES)[PhaseName];

/** A phase by name, as the kit handles it: any phase, whichever it is. */
export function phaseNamed(name: PhaseName): RegisteredPhase {
  return PHASES[name];
}

export function isFullPhase<P extends Phase>(phase: P): phase is Extract<P, FullPhase> {
  return phase.versioningType === 'FULL';
}

/** A subgraph's PostgreSQL schema: its name in snake case (`@@schema` in its Prisma file). */
function databaseSchemaOf(subgraph: string): string {
  return subgraph.replaceAll('-', '_');
}

/** A model's table: its name in snake case, plural (`PlanningPhaseVersion` → `planning_phase_versions`). */
function tableOf(model: string): string {
  return `${model.replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase()}s`;
}
