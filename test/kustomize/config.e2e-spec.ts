import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/api.js';
import {
  editKustomization,
  generated,
  get,
  kustomizeCopy,
  kustomizeRoot,
  overlayNames,
  removeScratch,
  render,
  run,
  type K8sObject,
} from './manifests.js';

afterAll(removeScratch);

/** Every ConfigMap and Secret name a workload's pod template refers to. */
const referencedNames = (workload: K8sObject): string[] =>
  [
    ...JSON.stringify(workload.spec.template).matchAll(
      /"(?:name|secretName)":"((?:frontend-config|redis-passwd|redis-scripts|fileserver-config)-\w+)"/g,
    ),
  ].map((m) => m[1]!);

describe('a config change in an overlay', () => {
  let before: K8sObject[];
  let after: K8sObject[];

  beforeAll(() => {
    const copy = kustomizeCopy();
    const prod = join(copy, 'overlays', 'prod');
    before = render(prod).objects;
    editKustomization(prod, (k) => {
      // One literal, nothing else: the ConfigMap's keys are the API's variables.
      k.configMapGenerator.find((g: any) => g.name === 'frontend-config').literals.push('JOURNAL_ENTRIES=25');
    });
    after = render(prod).objects;
  });

  it('renames the ConfigMap, and the Deployment follows, so its pods roll (and the old map can stay for a rollback)', () => {
    const [old, changed] = [generated(before, 'ConfigMap', 'frontend-config'), generated(after, 'ConfigMap', 'frontend-config')];
    expect(changed.data.JOURNAL_ENTRIES).toBe('25');
    expect(changed.metadata.name).not.toBe(old.metadata.name);
    const references = referencedNames(get(after, 'Deployment', 'frontend')).filter((n) => n.startsWith('frontend-config-'));
    expect(references.length).toBeGreaterThan(0);
    expect(new Set(references)).toEqual(new Set([changed.metadata.name]));
  });

  it('leaves Redis and the file servers alone', () => {
    for (const [kind, name] of [
      ['StatefulSet', 'redis'],
      ['Deployment', 'fileserver'],
    ]) {
      expect(get(after, kind!, name!)).toEqual(get(before, kind!, name!));
    }
  });
});

describe('the Redis password', () => {
  const copy = () => kustomizeCopy();

  it('is in no tracked file: each overlay reads it from a git-ignored file', () => {
    expect(run('git', ['ls-files', 'kustomize'], { cwd: repoRoot }).stdout).not.toMatch(/(^|\/)secrets\//m); // an overlay's secrets/ folder
    for (const overlay of overlayNames) {
      const file = join(kustomizeRoot, 'overlays', overlay, 'secrets', 'passwd');
      expect(run('git', ['check-ignore', file], { cwd: repoRoot }).stdout.trim()).toBe(file);
    }
    expect(render(join(copy(), 'base')).objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it('comes from make-secret.sh: 256 random bits, kept on a rerun, replaced by --rotate', () => {
    const prod = join(copy(), 'overlays', 'prod');
    const file = join(prod, 'secrets', 'passwd');
    const first = readFileSync(file, 'utf8');
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o077).toBe(0); // readable by its owner only
    const script = join(prod, '..', '..', 'make-secret.sh');
    run('sh', [script, prod]);
    expect(readFileSync(file, 'utf8')).toBe(first);
    run('sh', [script, prod, '--rotate']);
    expect(readFileSync(file, 'utf8')).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(file, 'utf8')).not.toBe(first);
  });

  it('goes into a hash-named Secret, so a new password rolls both the API and Redis', () => {
    const prod = join(copy(), 'overlays', 'prod');
    const before = render(prod).objects;
    const secret = generated(before, 'Secret', 'redis-passwd');
    expect(Buffer.from(secret.data.passwd, 'base64').toString()).toBe(readFileSync(join(prod, 'secrets', 'passwd'), 'utf8'));
    run('sh', [join(prod, '..', '..', 'make-secret.sh'), prod, '--rotate']);
    const after = render(prod).objects;
    const rotated = generated(after, 'Secret', 'redis-passwd').metadata.name;
    expect(rotated).not.toBe(secret.metadata.name);
    for (const [kind, name] of [
      ['Deployment', 'frontend'],
      ['StatefulSet', 'redis'],
    ]) {
      expect(referencedNames(get(after, kind!, name!)).filter((n) => n.startsWith('redis-passwd-'))).toEqual([rotated]);
    }
  });

  it('has no fallback: without the file the overlay does not render', () => {
    const prod = join(copy(), 'overlays', 'prod');
    rmSync(join(prod, 'secrets'), { recursive: true });
    expect(() => render(prod)).toThrow(/secrets\/passwd/);
  });
});

describe('the write tokens', () => {
  it('come from make-token.sh: a 256-bit token printed once, only its digest appended to a git-ignored file', () => {
    const prod = join(kustomizeCopy(), 'overlays', 'prod');
    const file = join(prod, 'secrets', 'tokens');
    const before = readFileSync(file, 'utf8');
    const token = run('sh', [join(prod, '..', '..', 'make-token.sh'), prod, 'alice']).stdout.trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // base64url of 32 bytes
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    const digest = createHash('sha256').update(token).digest('hex');
    expect(readFileSync(file, 'utf8')).toBe(`${before}alice sha256:${digest}\n`);
    expect(readFileSync(file, 'utf8')).not.toContain(token);
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(() => run('sh', [join(prod, '..', '..', 'make-token.sh'), prod, 'not a name'])).toThrow(/usage/);
    for (const overlay of overlayNames) {
      const ignored = join(kustomizeRoot, 'overlays', overlay, 'secrets', 'tokens');
      expect(run('git', ['check-ignore', ignored], { cwd: repoRoot }).stdout.trim()).toBe(ignored);
    }
  });

  it('go into a Secret whose name stays the same, so a new or revoked token rolls no pod (the API rereads the file)', () => {
    const prod = join(kustomizeCopy(), 'overlays', 'prod');
    const before = render(prod).objects;
    run('sh', [join(prod, '..', '..', 'make-token.sh'), prod, 'bob']);
    const after = render(prod).objects;
    expect(get(after, 'Secret', 'journal-auth-tokens').data).not.toEqual(get(before, 'Secret', 'journal-auth-tokens').data);
    expect(get(after, 'Deployment', 'frontend')).toEqual(get(before, 'Deployment', 'frontend'));
  });
});

it('makes kustomize warn about a deprecated field (so the overlays\' "no warning" test can fail)', () => {
  const prod = join(kustomizeCopy(), 'overlays', 'prod');
  editKustomization(prod, (k) => (k.commonLabels = { team: 'journal' }));
  expect(render(prod).warnings).toMatch(/commonLabels.*deprecated/i);
});
