// Prisma's WASM schema engine, run in process: applies the committed migrations and diffs the Prisma schema
// against them, with no downloaded native engine. Used by `db:migrate`, `db:diff`, start-up and the drift test.
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaContainer, SchemaEngine } from '@prisma/schema-engine-wasm';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const schemaDir = path.join(packageRoot, 'schema');
export const migrationsDir = path.join(packageRoot, 'migrations');
const noFilter = { externalTables: [], externalEnums: [] };

let wasmReady: Promise<typeof import('@prisma/schema-engine-wasm/schema_engine_bg')> | undefined;

/**
 * Instantiates the engine's WebAssembly module once per process (its JS glue imports it as an ES module, which Node
 * cannot). The glue is loaded here, not at import: only what migrates or diffs needs the engine.
 */
function loadWasm(): Promise<typeof import('@prisma/schema-engine-wasm/schema_engine_bg')> {
  wasmReady ??= (async () => {
    const engineBindings = await import('@prisma/schema-engine-wasm/schema_engine_bg');
    const require = createRequire(import.meta.url);
    const wasmFile = path.join(path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')), 'schema_engine_bg.wasm');
    const { instance } = await WebAssembly.instantiate(await readFile(wasmFile), { './schema_engine_bg.js': engineBindings });
    engineBindings.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
    return engineBindings;
  })();
  return wasmReady;
}

/** The Prisma schema files, in a stable order. */
export async function readSchemaFiles(): Promise<SchemaContainer[]> {
  const names = (await readdir(schemaDir)).filter((name) => name.endsWith('.prisma')).sort();
  return Promise.all(names.map(async (name) => ({ path: path.join(schemaDir, name), content: await readFile(path.join(schemaDir, name), 'utf8') })));
}

/** The migrations committed in `folder`, shaped as the engine expects (as `prisma migrate` reads them). */
export async function readMigrationList(folder = migrationsDir): Promise<MigrationList> {
  const lockPath = path.join(folder, 'migration_lock.toml');
  // A folder that cannot be read is not an empty history: applying "nothing" would start a server on a database whose
  // schema nobody checked.
  const entries = await readdir(folder, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`Cannot read the migrations folder ${folder} (${error.code ?? error.message}): which migrations exist is unknown.`, { cause: error });
  });
  const directories = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return {
    baseDir: folder,
    // No lock file is what `prisma migrate` accepts too (null); one that exists must be readable.
    lockfile: {
      path: lockPath,
      content: await readFile(lockPath, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? null : Promise.reject(error))),
    },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      directories.map(async (name) => ({
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: await readFile(path.join(folder, name, 'migration.sql'), 'utf8').then(
            (value) => ({ tag: 'ok' as const, value }),
            (error: Error) => ({ tag: 'error' as const, value: error.message }),
          ),
        },
      })),
    ),
  };
}

/** Runs `work` with a schema engine bound to the database behind `adapterFactory`, and frees it after. */
async function withSchemaEngine<T>(adapterFactory: SqlMigrationAwareDriverAdapterFactory, work: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const engineBindings = await loadWasm();
  const files = await readSchemaFiles();
  const engine = (await engineBindings.SchemaEngine.new(
    { datamodels: files.map((file) => [file.path, file.content]) },
    () => {},
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  )) as SchemaEngine;
  try {
    return await work(engine);
  } finally {
    engine.free();
  }
}

/** Applies every committed migration not yet applied, recording it in `_prisma_migrations`. Returns the names applied. */
export async function applyMigrations(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<string[]> {
  const migrationsList = await readMigrationList();
  return withSchemaEngine(adapterFactory, async (engine) => (await engine.applyMigrations({ migrationsList, filters: noFilter })).appliedMigrationNames);
}

/**
 * The SQL that would bring a database built from the committed migrations to the Prisma schema: empty when they
 * agree. Replays the migrations into a shadow database that the adapter creates and drops.
 */
export async function diffMigrationsToSchema(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<string> {
  const [migrationsList, files] = await Promise.all([readMigrationList(), readSchemaFiles()]);
  return withSchemaEngine(adapterFactory, async (engine) => {
    const result = await engine.diff({
      from: { tag: 'migrations', ...migrationsList },
      to: { tag: 'schemaDatamodel', files },
      script: true,
      exitCode: null,
      filters: noFilter,
    });
    return normaliseScript(result.stdout ?? '');
  });
}

/** The engine prints a comment for an empty migration; treat that as no change. */
function normaliseScript(script: string): string {
  return script.trim() === '-- This is an empty migration.' ? '' : script.trim();
}
