// `npm run db:diff`: prints the SQL that would bring the committed migrations to the Prisma schema.
//   --create <name>  writes it as a new migration, prisma/migrations/<timestamp>_<name>/migration.sql
//   --check          exits 1 when there is any (the schema and the migrations have drifted apart)
// The migrations are replayed into a throwaway shadow database: on DATABASE_URL's server when set, else in PGlite.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { diffMigrationsToSchema, migrationsDir, openDatabase } from '../src/index';

const args = process.argv.slice(2);
const createIndex = args.indexOf('--create');
const name = createIndex >= 0 ? args[createIndex + 1] : undefined;
if (createIndex >= 0 && !/^[a-z0-9_]+$/.test(name ?? '')) {
  console.error('db:diff --create needs a migration name in snake_case, e.g. --create add_event_log');
  process.exit(2);
}

const database = openDatabase({ url: process.env.DATABASE_URL });
const sql = await diffMigrationsToSchema(database.migrationAdapter());
await database.close();

if (!sql) {
  console.log('The migrations match the Prisma schema.');
} else if (name) {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const dir = path.join(migrationsDir, `${stamp}_${name}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'migration.sql'), `${sql}\n`);
  console.log(`Wrote ${path.relative(process.cwd(), dir)}/migration.sql`);
} else {
  console.log(sql);
  if (args.includes('--check')) {
    console.error('\nThe Prisma schema and the committed migrations differ: run `npm run db:diff -- --create <name>`.');
    process.exit(1);
  }
}
