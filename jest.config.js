// Native ESM jest (NestJS 12 is ESM-only): run through `node --experimental-vm-modules`.
/** @type {import('jest').Config} */
const esm = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
};

export default {
  projects: [
    { ...esm, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/web/**/*.spec.ts'] },
    { ...esm, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
  // e2e specs start real redis-server, API, NGINX and Chromium processes (a per-project value is ignored).
  testTimeout: 30_000,
  // Every spec stops the processes it started in its afterAll hooks; a client of a spec that failed
  // mid-failover can still hold a reconnect timer, and CI must end with a verdict, not wait forever.
  forceExit: true,
};
