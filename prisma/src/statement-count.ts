// Counting the SQL statements run on behalf of one request, across awaits, DataLoader batches and transactions:
// what the N+1 test measures and what servers can report (`x-phasegraph-sql-statements`).
import { AsyncLocalStorage } from 'node:async_hooks';

interface Tally {
  statements: number;
}

const scope = new AsyncLocalStorage<Tally>();

/** Runs `work` with a fresh tally; `count()` inside it reads the statements run so far. */
export function countingStatements<T>(work: () => T): T {
  return scope.run({ statements: 0 }, work);
}

/** The statements counted in the current scope (0 outside one). */
export function statementCount(): number {
  return scope.getStore()?.statements ?? 0;
}

/** Adds `n` statements run elsewhere on this scope's behalf (e.g. by a subgraph it called). */
export function addStatements(n: number): void {
  const tally = scope.getStore();
  if (tally && Number.isFinite(n)) tally.statements += n;
}

const COUNTED = new Set(['queryRaw', 'executeRaw']);

/** Wraps a driver adapter factory so that every statement its adapters (and their transactions) run is counted. */
export function countStatements<Factory extends object>(factory: Factory): Factory {
  return wrap(factory);
}

function wrap<Target extends object>(target: Target): Target {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (COUNTED.has(String(property))) addStatements(1);
        const result = value.apply(object, args);
        // connect(), connectToShadowDb() and startTransaction() hand out adapters and transactions: count theirs too.
        if (['connect', 'connectToShadowDb', 'startTransaction'].includes(String(property)) && result instanceof Promise) {
          return result.then((inner: object) => wrap(inner));
        }
        return result;
      };
    },
  });
}
