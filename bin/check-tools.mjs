#!/usr/bin/env node
// What `npm test` needs besides the npm packages, checked before it builds anything: for each
// thing missing, one line that names it and how to get it, then exit 1. (`.ci/run` installs the
// Debian packages; kubectl is not one of them.)
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const root = join(import.meta.dirname, '..');
// NestJS 12 is ESM only and CommonJS packages (@nestjs/throttler) require() it: Node 20.19 is the
// first to allow that without a flag.
const OLDEST_NODE = '20.19.0';

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const onPath = (name) => (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && executable(join(dir, name)));

/** kubectl's built-in kustomize version (v5.5.0), or why there is none. */
function kustomizeVersion() {
  const result = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  try {
    return JSON.parse(result.stdout).kustomizeVersion ?? 'none';
  } catch {
    return 'unknown (kubectl version --client failed)';
  }
}

async function problems() {
  let semver;
  try {
    ({ default: semver } = await import('semver'));
  } catch {
    return ['node_modules is missing or incomplete: run npm ci'];
  }
  const engines = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node;
  const node = process.versions.node;
  const found = [];
  if (semver.lt(node, OLDEST_NODE)) {
    found.push(`Node ${node} is too old: the tests need ${OLDEST_NODE} or newer (package.json's engines: ${engines})`);
  } else if (!semver.satisfies(node, engines)) {
    // Not a failure: CI's machine runs Node 20, where only npm's EBADENGINE warnings differ.
    console.warn(`check-tools: Node ${node} is outside package.json's engines (${engines}); the tests run on ${OLDEST_NODE} or newer`);
  }
  if (!onPath('redis-server')) found.push('redis-server is missing: apt-get install redis-server');
  if (!onPath('nginx') && !executable('/usr/sbin/nginx')) found.push('nginx is missing: apt-get install nginx');
  if (!executable('/usr/bin/chromium')) found.push('/usr/bin/chromium is missing: apt-get install chromium');
  if (!onPath('promtool')) found.push('promtool is missing: apt-get install prometheus (the package that has it)');
  const kubectl = 'install kubectl 1.27 or newer from https://kubernetes.io/docs/tasks/tools/ (Debian has none with kustomize v5)';
  if (!onPath('kubectl')) {
    found.push(`kubectl is missing: ${kubectl}`);
  } else {
    const kustomize = kustomizeVersion();
    if (!/^v([5-9]|\d\d+)\./.test(kustomize)) found.push(`kubectl's kustomize is ${kustomize}, the tests need v5: ${kubectl}`);
  }
  return found;
}

const found = await problems();
for (const problem of found) console.error(`check-tools: ${problem}`);
process.exit(found.length === 0 ? 0 : 1);
