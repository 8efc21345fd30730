// `npx tsx bench/profile-summary.ts <file.cpuprofile> [top]`: where a V8 CPU profile (`node --cpu-prof`) spent its
// time: the top frames by self time, and self time per package (a node_modules package or a project folder).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire, SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  /** 0-based, in the code V8 ran: for TypeScript run through tsx, its one-line transpiled output. */
  lineNumber: number;
  columnNumber: number;
}

interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame }[];
  startTime: number;
  endTime: number;
  /** The node on top of the stack at each sample. */
  samples: number[];
  /** Microseconds from the previous sample to each. */
  timeDeltas: number[];
}

/** Self time of one function (all its nodes, whatever called it), or of one package. */
interface Tally {
  samples: number;
  micros: number;
}

/** V8's pseudo-frames, not code of any package. */
const IDLE = '(idle)';
/** Packages listed one by one; the rest share a line. */
const TOP_PACKAGES = 25;
const PSEUDO_FRAMES = new Set([IDLE, '(program)', '(garbage collector)', '(root)']);

export function summariseProfile(file: string, top = 20): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  // A sample lasts until the next one (the last one's length is unknown: the mean stands in).
  const meanMicros = (profile.endTime - profile.startTime) / profile.samples.length;
  const byFunction = new Map<string, Tally & { frame: CallFrame }>();
  const byPackage = new Map<string, Tally>();
  let idle: Tally = { samples: 0, micros: 0 };
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id)!;
    const micros = profile.timeDeltas[i + 1] ?? meanMicros;
    if (frame.functionName === IDLE) {
      idle = { samples: idle.samples + 1, micros: idle.micros + micros };
      return;
    }
    const key = `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}\u0000${frame.columnNumber}`;
    const fn = byFunction.get(key) ?? { frame, samples: 0, micros: 0 };
    byFunction.set(key, { frame, samples: fn.samples + 1, micros: fn.micros + micros });
    const name = packageOf(frame);
    const pkg = byPackage.get(name) ?? { samples: 0, micros: 0 };
    byPackage.set(name, { samples: pkg.samples + 1, micros: pkg.micros + micros });
  });

  const total = profile.samples.length;
  const busy = total - idle.samples;
  const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;
  const ms = (micros: number) => (micros / 1000).toFixed(0);
  const sorted = <T extends Tally>(tallies: Iterable<T>) => [...tallies].sort((a, b) => b.samples - a.samples);
  const packages = [...byPackage].sort(([, a], [, b]) => b.samples - a.samples);
  const lines = [
    `${path.basename(file)}: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s, ${total.toLocaleString('en')} samples ` +
      `(${(meanMicros / 1000).toFixed(2)} ms apart); idle ${percent(idle.samples, total)}, busy ${percent(busy, total)} (${ms(total * meanMicros - idle.micros)} ms).`,
    '',
    `Top ${top} frames by self time (idle left out; "% busy" is of the non-idle samples)`,
    '',
    '| # | function | where | self ms | % samples | % busy |',
    '| --- | --- | --- | --- | --- | --- |',
    ...sorted(byFunction.values())
      .slice(0, top)
      .map(
        ({ frame, samples, micros }, i) =>
          `| ${i + 1} | ${frame.functionName || '(anonymous)'} | ${where(frame)} | ${ms(micros)} | ${percent(samples, total)} | ${percent(samples, busy)} |`,
      ),
    '',
    'Self time by package (node_modules package, project folder, Node internals, V8)',
    '',
    '| package | self ms | % samples | % busy |',
    '| --- | --- | --- | --- |',
    ...packages
      .slice(0, TOP_PACKAGES)
      .map(([name, { samples, micros }]) => `| ${name} | ${ms(micros)} | ${percent(samples, total)} | ${percent(samples, busy)} |`),
  ];
  const rest = packages.slice(TOP_PACKAGES);
  if (rest.length > 0) {
    const samples = rest.reduce((sum, [, tally]) => sum + tally.samples, 0);
    lines.push(
      `| (${rest.length} more packages) | ${ms(rest.reduce((sum, [, tally]) => sum + tally.micros, 0))} | ${percent(samples, total)} | ${percent(samples, busy)} |`,
    );
  }
  return lines.join('\n');
}

/** The package a frame's code belongs to: the innermost node_modules package, else the project folder, else Node or V8. */
export function packageOf(frame: CallFrame): string {
  if (PSEUDO_FRAMES.has(frame.functionName) && !frame.url) return `V8 ${frame.functionName}`;
  if (!frame.url) return 'V8 builtins and native code';
  if (frame.url.startsWith('node:')) return 'Node internals (node:*)';
  if (frame.url.startsWith('wasm://')) return 'WebAssembly (Prisma query compiler)';
  const file = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  const inModules = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
  if (inModules) return inModules[1]!;
  const relative = projectPath(file);
  if (!relative) return path.dirname(file);
  const [first, second] = relative.split('/');
  // The kit and each subgraph are their own package; so are the generated Prisma client and the db code.
  return `project: ${first === 'subgraphs' || first === 'prisma' ? `${first}/${second}` : first}`;
}

/** Where a frame is, as `file:line` (1-based), project files relative to their checkout. */
export function where(frame: CallFrame): string {
  if (!frame.url) return '';
  if (!frame.url.startsWith('file://')) return `${frame.url}:${frame.lineNumber + 1}`;
  const file = fileURLToPath(frame.url);
  const inModules = /.*node_modules\/(.*)$/.exec(file);
  if (inModules) return `${inModules[1]}:${frame.lineNumber + 1}`;
  const shown = projectPath(file) ?? file;
  // A module's top-level code is a function at the very start of its transpiled line, mapped to nothing.
  if (!frame.functionName && frame.lineNumber === 0 && frame.columnNumber === 0) return `${shown} (module body)`;
  const line = originalLine(file, frame);
  return `${shown}:${line ?? `? (column ${frame.columnNumber + 1} of the transpiled code)`}`;
}

const checkouts = new Map<string, string | null>();

/** `file` relative to the checkout holding it (the folder with turbo.json), or null outside any. */
function projectPath(file: string): string | null {
  const dir = path.dirname(file);
  if (!checkouts.has(dir)) {
    let root: string | null = null;
    for (let at = dir; path.dirname(at) !== at; at = path.dirname(at)) {
      if (existsSync(path.join(at, 'turbo.json'))) {
        root = at;
        break;
      }
    }
    checkouts.set(dir, root);
  }
  const root = checkouts.get(dir);
  return root ? path.relative(root, file) : null;
}

/**
 * tsx runs TypeScript as esbuild's one-line output, so V8's positions are columns of that line. The same esbuild
 * (tsx's own) with tsx's options reproduces that output and its source map, which gives the line in the .ts file.
 * The file must not have changed since the profile was taken.
 */
const esbuild = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'))('esbuild') as {
  transformSync(code: string, options: Record<string, unknown>): { code: string; map: string };
};
const sourceMaps = new Map<string, SourceMap | null>();

function originalLine(file: string, frame: CallFrame): number | null {
  if (!/\.[cm]?tsx?$/.test(file)) return frame.lineNumber + 1;
  if (!sourceMaps.has(file)) sourceMaps.set(file, transpiledSourceMap(file));
  const entry = sourceMaps.get(file)?.findEntry(frame.lineNumber, frame.columnNumber);
  return entry && 'originalLine' in entry ? entry.originalLine + 1 : null;
}

function transpiledSourceMap(file: string): SourceMap | null {
  try {
    const { map } = esbuild.transformSync(readFileSync(file, 'utf8'), {
      // What tsx 4 passes esbuild for a TypeScript ES module.
      target: `node${process.versions.node}`,
      loader: file.endsWith('x') ? 'tsx' : 'ts',
      format: 'esm',
      sourcefile: file,
      sourcemap: true,
      minifyWhitespace: true,
      keepNames: true,
    });
    return new SourceMap(JSON.parse(map));
  } catch {
    return null;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [top frames, 20]');
    process.exit(2);
  }
  console.log(summariseProfile(file, top ? Number(top) : 20));
}
