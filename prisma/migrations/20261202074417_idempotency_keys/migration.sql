-- CreateTable
CREATE TABLE "events"."idempotency_keys" (
    "caller_id" UUID NOT NULL,
    "mutation" VARCHAR(64) NOT NULL,
    "key" VARCHAR(255) NOT NULL,
    "fingerprint" CHAR(64) NOT NULL,
    "record_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("caller_id","mutation","key")
);

-- CreateIndex
CREATE INDEX "idempotency_keys_created_at_idx" ON "events"."idempotency_keys"("created_at");
