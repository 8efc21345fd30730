// Jest runs two projects. `unit`: the tests beside the code (`__tests__/` in every workspace), which need nothing
// running. `stack`: the suites in tests/ against one real stack (gateway + subgraphs over HTTP) started by the global
// setup on PostgreSQL (DATABASE_URL, a fresh database per run) or, without it, on the embedded PGlite; only a run that
// selects one of them starts it.
const typescript = {
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
    // jose ships only ES modules; the gateway's unit tests load it through the token verifier.
    '/node_modules/jose/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
};

/** @type {import('jest').Config} */
export default {
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/{prisma,subgraphs,gateway,cli}/**/__tests__/**/*.test.ts'],
      ...typescript,
    },
    {
      displayName: 'stack',
      testMatch: ['<rootDir>/tests/**/*.test.ts'],
      ...typescript,
      globalSetup: '<rootDir>/tests/support/global-setup.ts',
      globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
    },
  ],
  // A bound on a hang, not a wait: tests wait for events. Some start and restart whole servers (ten subgraphs in one
  // process), which on a loaded 2-core machine takes minutes; 120 s was seen to cut such a test short.
  testTimeout: 300_000,
  maxWorkers: 2,
};
