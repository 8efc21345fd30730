-- AlterTable
ALTER TABLE "data_profiling"."rule_decisions" ADD COLUMN     "position" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "observation_management"."observation_decisions" ADD COLUMN     "position" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "planning"."attribute_decisions" ADD COLUMN     "position" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "sample_selection"."sample_decisions" ADD COLUMN     "position" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "scoping"."scoping_decisions" ADD COLUMN     "position" INTEGER NOT NULL DEFAULT 0;
