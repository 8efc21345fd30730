// The public face of the versioning kit: what the gateway and the subgraphs build on.
export {
  ALL_PHASES,
  PHASES,
  PHASE_NAMES,
  TESTER_ROLES,
  USER_ROLES,
  isFullPhase,
  type AuditPhase,
  type FullPhase,
  type Phase,
  type PhaseName,
  type UserRole,
} from './phases';
export {
  DateTimeScalar,
  INPUT_LIMITS,
  JSONScalar,
  isStorableInstant,
  optionalText,
  requireAtMost,
  requireData,
  requireItems,
  requireJson,
  requireNonBlankText,
  requireText,
  textProblem,
} from './input-limits';
export { IDEMPOTENCY_KEY_RETENTION_MS, forgetExpiredKeys, idempotentCall, writeOnce, type IdempotentCall, type Once } from './idempotency';
export {
  IDENTITY_HEADER,
  IdentitySignatureError,
  SIGNATURE_VALIDITY_MS,
  encodeIdentity,
  signIdentity,
  signatureHeaders,
  signingFetch,
  verifyIdentity,
  type Identity,
  type SignableRequest,
} from './signed-identity';
export { LocalSubgraph, SubgraphClient, SubgraphDirectory, subgraphCall, type RequestScope, type SubgraphUrls } from './subgraph-client';
export {
  auditPhaseDocuments,
  fullPhaseDocuments,
  type AuditPhaseDocuments,
  type FullPhaseDocuments,
  type ResultOf,
  type TypedDocumentNode,
} from './phase-documents';
export {
  defineSubgraph,
  requireUser,
  serveSubgraph,
  type SubgraphContext,
  type SubgraphDefinition,
  type SubgraphRuntime,
  type SubgraphServing,
} from './subgraph-server';
export { kitSdl, readSdlFile, sharedSdl, subgraphTypeDefs } from './sdl';
export { phaseSubgraph, MAX_PAGE_SIZE, type PhaseBehaviour } from './phase-subgraph';
export { VERSION_EVENTS_CHANNEL, type NewVersionEvent, type VersionEventType } from './event-log';
export { approvedVersionAfter, type ApprovalEvent } from './approval-history';
export { recordActivity, type ActivityType, type NewActivity } from './activity-log';
export { diffVersions, jsonPatchBetween, type ComparedDecision, type DecisionChange, type DecisionChangeKind, type JsonPatchOperation } from './version-diff';
export type { CarryForwardData, VersionStatus } from './versioning';
export { lockRecord } from './record-lock';

// The platform (./platform): what the gateway and every subgraph stand on, whatever they serve: configuration,
// GraphQL over HTTP with readiness and shutdown, logging, the error vocabulary, the faults of the platform.
export { ErrorCode, PUBLIC_CODES, badUserInput, conflict, forbidden, notFound, requireUuid, serviceUnavailable, unauthenticated } from './platform/errors';
export { untrustedOperation, type UntrustedOperationCode } from './platform/errors';
export { isTransientFault, runTransaction, unavailable, type TransactionOptions } from './platform/faults';
export { ConfigError, SUBGRAPH_NAMES, loadConfig, type Config, type SubgraphName } from './platform/config';
export { REDACTED, createLogger, redactText, type Logger } from './platform/log';
export {
  MAX_OPERATION_NAMES,
  collectProcessMetrics,
  dualWriteConsistency,
  errorCodeLabel,
  errorsTotal,
  eventDeliveryLag,
  metricsRegistry,
  migrationBackfillProgress,
  migrationPendingReconciliation,
  migrationReadPercentage,
  operationNameLabel,
  requestDuration,
  subgraphRequestDuration,
  subscriptionsActive,
} from './platform/metrics';
export {
  TRACEPARENT_HEADER,
  endRequestTrace,
  inRequestTrace,
  injectTraceContext,
  startRequestTrace,
  startTracing,
  tracingEnabled,
  type Tracing,
  type TracingConfig,
} from './platform/tracing';
export {
  MAX_BODY_BYTES,
  REQUEST_ID_HEADER,
  STATEMENTS_HEADER,
  apolloServerOptions,
  maskUnexpected,
  operationAttributes,
  recordAnswered,
  serveGraphQL,
  type AnsweredRequest,
  type IncomingRequest,
  type RunningServer,
  type Routes,
} from './platform/http';
