// The public face of @phasegraph/db: the generated Prisma client and the ways to open and migrate the database.
export { Prisma, PrismaClient } from '../generated/client';
export { DatabaseUnreachableError, openDatabase, type Database, type DatabaseConfig } from './database';
export { applyMigrations, diffMigrationsToSchema, migrationsDir, readMigrationList, readSchemaFiles } from './schema-engine';
export { addStatements, countingStatements, statementCount } from './statement-count';
