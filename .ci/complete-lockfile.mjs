// Completes package-lock.json with the platform packages a partial registry mirror does not serve.
// npm leaves an optional dependency it cannot fetch (e.g. @swc/core-darwin-arm64) out of the lock, and `npm ci`
// then refuses the lock as out of sync with package.json. This adds each missing optional dependency as npm
// would have written it: name, version, and the os/cpu (read off its name) that make npm skip it on other machines.
// Run after `npm install` whenever dependencies change: `node .ci/complete-lockfile.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const LOCK = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(LOCK, 'utf8'));
const OS = { darwin: 'darwin', linux: 'linux', win32: 'win32', windows: 'win32', android: 'android', freebsd: 'freebsd', openharmony: 'openharmony' };
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64'];

/** The os and cpu a platform package is built for, from the parts of its name (e.g. turbo's `darwin-64`). */
function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.map((part) => OS[part]).find(Boolean);
  const cpu = parts.map((part) => (part === '64' ? 'x64' : part)).find((part) => CPU.includes(part));
  return os && cpu ? { os: [os], cpu: [cpu] } : null;
}

let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const hoisted = `node_modules/${name}`;
    const nested = `${path ? `${path}/` : ''}node_modules/${name}`;
    if (lock.packages[hoisted] || lock.packages[nested]) continue;
    const platform = platformOf(name);
    if (!platform) throw new Error(`${name} (optional dependency of ${path || 'the root'}) is missing and not a platform package: install it.`);
    lock.packages[hoisted] = { version, ...platform, ...(entry.dev ? { dev: true } : {}), optional: true };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added ? `Added ${added} platform package entries to package-lock.json.` : 'package-lock.json lists every optional dependency.');
