-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "compat";

-- CreateTable
CREATE TABLE "compat"."report_attributes" (
    "id" UUID NOT NULL,
    "attribute_id" UUID NOT NULL,
    "cycle_id" UUID NOT NULL,
    "report_id" UUID NOT NULL,
    "attribute_name" TEXT NOT NULL,
    "attribute_type" TEXT NOT NULL,
    "description" TEXT,
    "version_number" INTEGER NOT NULL,
    "is_latest_version" BOOLEAN NOT NULL,
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "report_attributes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "compat"."sample_sets" (
    "set_id" UUID NOT NULL,
    "cycle_id" UUID NOT NULL,
    "report_id" UUID NOT NULL,
    "selection_criteria" JSONB NOT NULL,
    "generation_method" TEXT,
    "version_number" INTEGER NOT NULL,
    "is_latest_version" BOOLEAN NOT NULL,
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sample_sets_pkey" PRIMARY KEY ("set_id")
);

-- CreateTable
CREATE TABLE "compat"."samples" (
    "id" UUID NOT NULL,
    "set_id" UUID NOT NULL,
    "sample_id" UUID NOT NULL,
    "data" JSONB NOT NULL,
    "status" VARCHAR(20) NOT NULL DEFAULT 'PENDING',
    "position" INTEGER NOT NULL,

    CONSTRAINT "samples_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "report_attributes_cycle_id_report_id_idx" ON "compat"."report_attributes"("cycle_id", "report_id");

-- CreateIndex
CREATE UNIQUE INDEX "report_attributes_attribute_id_version_number_key" ON "compat"."report_attributes"("attribute_id", "version_number");

-- CreateIndex
CREATE UNIQUE INDEX "sample_sets_cycle_id_report_id_version_number_key" ON "compat"."sample_sets"("cycle_id", "report_id", "version_number");

-- CreateIndex
CREATE UNIQUE INDEX "samples_set_id_sample_id_key" ON "compat"."samples"("set_id", "sample_id");

-- AddForeignKey
ALTER TABLE "compat"."samples" ADD CONSTRAINT "samples_set_id_fkey" FOREIGN KEY ("set_id") REFERENCES "compat"."sample_sets"("set_id") ON DELETE RESTRICT ON UPDATE CASCADE;
