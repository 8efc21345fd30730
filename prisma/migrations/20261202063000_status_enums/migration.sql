-- Version and decision statuses become enums, one pair per phase schema (each subgraph owns its types).
-- The columns are converted in place, keeping every row: a value outside the enum stops the migration.

CREATE TYPE "planning"."version_status" AS ENUM ('DRAFT', 'APPROVED', 'REJECTED', 'SUPERSEDED');
CREATE TYPE "planning"."decision_status" AS ENUM ('PENDING', 'APPROVED', 'REJECTED');
ALTER TABLE "planning"."planning_phase_versions"
  ALTER COLUMN "version_status" TYPE "planning"."version_status" USING "version_status"::text::"planning"."version_status";
ALTER TABLE "planning"."attribute_decisions"
  ALTER COLUMN "decision_status" TYPE "planning"."decision_status" USING "decision_status"::text::"planning"."decision_status";

CREATE TYPE "data_profiling"."version_status" AS ENUM ('DRAFT', 'APPROVED', 'REJECTED', 'SUPERSEDED');
CREATE TYPE "data_profiling"."decision_status" AS ENUM ('PENDING', 'APPROVED', 'REJECTED');
ALTER TABLE "data_profiling"."data_profiling_versions"
  ALTER COLUMN "version_status" TYPE "data_profiling"."version_status" USING "version_status"::text::"data_profiling"."version_status";
ALTER TABLE "data_profiling"."rule_decisions"
  ALTER COLUMN "decision_status" TYPE "data_profiling"."decision_status" USING "decision_status"::text::"data_profiling"."decision_status";

CREATE TYPE "scoping"."version_status" AS ENUM ('DRAFT', 'APPROVED', 'REJECTED', 'SUPERSEDED');
CREATE TYPE "scoping"."decision_status" AS ENUM ('PENDING', 'APPROVED', 'REJECTED');
ALTER TABLE "scoping"."scoping_versions"
  ALTER COLUMN "version_status" TYPE "scoping"."version_status" USING "version_status"::text::"scoping"."version_status";
ALTER TABLE "scoping"."scoping_decisions"
  ALTER COLUMN "decision_status" TYPE "scoping"."decision_status" USING "decision_status"::text::"scoping"."decision_status";

CREATE TYPE "sample_selection"."version_status" AS ENUM ('DRAFT', 'APPROVED', 'REJECTED', 'SUPERSEDED');
CREATE TYPE "sample_selection"."decision_status" AS ENUM ('PENDING', 'APPROVED', 'REJECTED');
ALTER TABLE "sample_selection"."sample_selection_versions"
  ALTER COLUMN "version_status" TYPE "sample_selection"."version_status" USING "version_status"::text::"sample_selection"."version_status";
ALTER TABLE "sample_selection"."sample_decisions"
  ALTER COLUMN "decision_status" TYPE "sample_selection"."decision_status" USING "decision_status"::text::"sample_selection"."decision_status";

CREATE TYPE "observation_management"."version_status" AS ENUM ('DRAFT', 'APPROVED', 'REJECTED', 'SUPERSEDED');
CREATE TYPE "observation_management"."decision_status" AS ENUM ('PENDING', 'APPROVED', 'REJECTED');
ALTER TABLE "observation_management"."observation_versions"
  ALTER COLUMN "version_status" TYPE "observation_management"."version_status" USING "version_status"::text::"observation_management"."version_status";
ALTER TABLE "observation_management"."observation_decisions"
  ALTER COLUMN "decision_status" TYPE "observation_management"."decision_status" USING "decision_status"::text::"observation_management"."decision_status";
