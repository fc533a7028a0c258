// bin/check-tools.mjs, which `npm test` runs before anything else, on this machine as it is and with
// one thing taken away. Each run has a mount namespace of its own (unshare, as root) in which
// /dev/null, an empty folder or a stand-in is mounted over the real file: nothing outside sees it.
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';
import { repoRoot } from '../support/api.js';

const scratch = mkdtempSync(join(tmpdir(), 'journal-check-tools-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const packageJson = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const engines: string = packageJson.engines.node;
const outsideEngines = (range: string) =>
  `check-tools: Node ${process.versions.node} is outside package.json's engines (${range}); the tests run on 20.19.0 or newer`;

/** Where `name` is on this machine's PATH. */
function located(name: string): string {
  const path = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  expect(path).not.toBe('');
  return path;
}

/** A file in the scratch folder, for mounting over a real one. */
function standIn(name: string, text: string, mode = 0o644): string {
  const file = join(scratch, name);
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

/** Runs check-tools with each [source, target] bind-mounted first; its stderr as lines. */
function checkTools(mounts: Array<[source: string, target: string]> = []): { status: number | null; lines: string[] } {
  const binds = mounts.map(([source, target]) => `mount --bind '${source}' '${target}' && `).join('');
  const result = spawnSync(
    'unshare',
    ['--mount', '--propagation', 'private', 'sh', '-c', `${binds}exec "$0" bin/check-tools.mjs`, process.execPath],
    { cwd: repoRoot, encoding: 'utf8' },
  );
  expect(result.stdout).toBe('');
  return { status: result.status, lines: result.stderr.split('\n').filter((line) => line !== '') };
}

/** The engines warning this machine's Node gets anyway (CI's Node 20 is outside them). */
const usualWarnings = semver.satisfies(process.versions.node, engines) ? [] : [outsideEngines(engines)];

describe('bin/check-tools.mjs', () => {
  it('runs first in npm test and npm run test:e2e', () => {
    expect(packageJson.scripts.test).toMatch(/^node bin\/check-tools\.mjs && /);
    expect(packageJson.scripts['test:e2e']).toMatch(/^node bin\/check-tools\.mjs && /);
  });

  it('passes on this machine, which has every tool', () => {
    expect(checkTools()).toEqual({ status: 0, lines: usualWarnings });
  });

  const kubectl = 'install kubectl 1.27 or newer from https://kubernetes.io/docs/tasks/tools/ (Debian has none with kustomize v5)';
  it.each([
    ['redis-server', 'redis-server is missing: apt-get install redis-server'],
    ['nginx', 'nginx is missing: apt-get install nginx'],
    ['chromium', '/usr/bin/chromium is missing: apt-get install chromium'],
    ['promtool', 'promtool is missing: apt-get install prometheus (the package that has it)'],
    ['kubectl', `kubectl is missing: ${kubectl}`],
  ])('without %s: fails with one line naming it', (tool, line) => {
    const path = tool === 'chromium' ? '/usr/bin/chromium' : located(tool);
    expect(checkTools([['/dev/null', path]])).toEqual({ status: 1, lines: [...usualWarnings, `check-tools: ${line}`] });
  });

  it('names each thing missing, one line each', () => {
    const { status, lines } = checkTools([
      ['/dev/null', located('promtool')],
      ['/dev/null', '/usr/bin/chromium'],
    ]);
    expect(status).toBe(1);
    expect(lines.filter((line) => line.includes('is missing'))).toHaveLength(2);
  });

  it('refuses a kubectl whose kustomize is older than v5', () => {
    const oldKubectl = standIn(
      'kubectl',
      `#!/bin/sh\necho '{"clientVersion":{"gitVersion":"v1.26.0"},"kustomizeVersion":"v4.5.7"}'\n`,
      0o755,
    );
    expect(checkTools([[oldKubectl, located('kubectl')]])).toEqual({
      status: 1,
      lines: [...usualWarnings, `check-tools: kubectl's kustomize is v4.5.7, the tests need v5: ${kubectl}`],
    });
  });

  it('without the npm packages: says to run npm ci', () => {
    const empty = mkdtempSync(join(scratch, 'node_modules-'));
    expect(checkTools([[empty, join(repoRoot, 'node_modules')]])).toEqual({
      status: 1,
      lines: ['check-tools: node_modules is missing or incomplete: run npm ci'],
    });
  });

  it("on a Node outside package.json's engines (yet 20.19 or newer): warns in one line and goes on", () => {
    const future = standIn('package.json', JSON.stringify({ ...packageJson, engines: { node: '>=99' } }));
    expect(checkTools([[future, join(repoRoot, 'package.json')]])).toEqual({ status: 0, lines: [outsideEngines('>=99')] });
  });
});

describe("package.json's engines", () => {
  it('admit no Node version that an installed package says it does not support', () => {
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { engines?: { node?: unknown } }>;
    };
    const narrower = Object.entries(lock.packages)
      .filter(([path, { engines: own }]) => path !== '' && typeof own?.node === 'string' && !semver.subset(engines, own.node))
      .map(([path, { engines: own }]) => `${path.replace(/^.*node_modules\//, '')}: ${String(own!.node)}`);
    expect(narrower).toEqual([]);
  });

  it('include the Node that the Dockerfile builds and runs the API with', () => {
    const image = /^ARG NODE_IMAGE=node:(\d+\.\d+\.\d+)-/m.exec(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
    expect(semver.satisfies(image![1]!, engines)).toBe(true);
  });
});
