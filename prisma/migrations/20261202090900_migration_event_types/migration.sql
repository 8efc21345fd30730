-- Migration operations are recorded under the names migrationActivity answers with (the contract's): a settings
-- change was recorded as SET_DUAL_WRITE or SET_READ_PERCENTAGE before.
UPDATE "compat"."migration_events" SET "type" = 'DUAL_WRITE' WHERE "type" = 'SET_DUAL_WRITE';
UPDATE "compat"."migration_events" SET "type" = 'READ_PERCENTAGE' WHERE "type" = 'SET_READ_PERCENTAGE';
