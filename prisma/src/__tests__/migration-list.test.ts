// Reading the committed migrations for the schema engine: in order, and a folder that cannot be read is an error,
// never an empty history (which would apply nothing and start on an unchecked database).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrationsDir, readMigrationList } from '../schema-engine';

describe('the migration list', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'phasegraph-migrations-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('lists each migration folder in name order, with its SQL and the lock file', async () => {
    for (const name of ['20260102_second', '20260101_first']) {
      mkdirSync(path.join(folder, name));
      writeFileSync(path.join(folder, name, 'migration.sql'), `-- ${name}`);
    }
    writeFileSync(path.join(folder, 'migration_lock.toml'), 'provider = "postgresql"');
    const list = await readMigrationList(folder);
    expect(list.migrationDirectories.map((migration) => [migration.path, migration.migrationFile.content])).toEqual([
      ['20260101_first', { tag: 'ok', value: '-- 20260101_first' }],
      ['20260102_second', { tag: 'ok', value: '-- 20260102_second' }],
    ]);
    expect(list.lockfile.content).toBe('provider = "postgresql"');
  });

  it('takes a missing lock file as none, as prisma migrate does', async () => {
    expect((await readMigrationList(folder)).lockfile.content).toBeNull();
  });

  it('refuses a migrations folder it cannot read, naming it', async () => {
    const missing = path.join(folder, 'nowhere');
    await expect(readMigrationList(missing)).rejects.toThrow(`Cannot read the migrations folder ${missing} (ENOENT)`);
    writeFileSync(path.join(folder, 'a-file'), '');
    await expect(readMigrationList(path.join(folder, 'a-file'))).rejects.toThrow(/Cannot read the migrations folder .*\(ENOTDIR\)/);
  });

  it('reads the committed history', async () => {
    expect((await readMigrationList()).migrationDirectories.length).toBeGreaterThan(0);
    expect((await readMigrationList()).baseDir).toBe(migrationsDir);
  });
});
