// `npm run db:migrate`: applies the committed migrations to DATABASE_URL's database, else to the embedded
// database that `npm start` uses (PHASEGRAPH_DATA_DIR, default .phasegraph-data at the repository root).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseUnreachableError, openDatabase } from '../src/index';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const url = process.env.DATABASE_URL;
const dataDir = process.env.PHASEGRAPH_DATA_DIR ?? path.join(repositoryRoot, '.phasegraph-data');
const database = openDatabase({ url, dataDir });
try {
  await database.waitUntilReachable(Number(process.env.DATABASE_WAIT_MS ?? 30_000));
} catch (error) {
  if (!(error instanceof DatabaseUnreachableError)) throw error;
  console.error(error.message);
  process.exit(1);
}
const applied = await database.migrate();
await database.close();
console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
console.log(`(${url ? 'PostgreSQL from DATABASE_URL' : `embedded database in ${dataDir}`})`);
