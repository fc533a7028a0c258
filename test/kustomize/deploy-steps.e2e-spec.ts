// The deploy steps as docs/deploy.md and the README print them, followed exactly in a scratch copy
// of kustomize/. No cluster here: `kubectl apply -k DIR` is checked as `kubectl kustomize DIR`
// renders it, and the rollout wait is left out.
import { afterAll, describe, expect, it } from '@jest/globals';
import { cpSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { repoRoot } from '../support/api.js';
import { kustomizeRoot, removeScratch, render, run, scratch, type Rendering } from './manifests.js';

afterAll(removeScratch);

/** The commands of the first ```sh block after `heading` in a Markdown file, without their comments. */
function steps(file: string, heading: string): string[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const start = text.indexOf(`\n${heading}\n`);
  expect(start).toBeGreaterThan(-1);
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(start))![1]!;
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '');
}

describe.each([
  ['docs/deploy.md', '## Deploy'],
  ['README.md', '## Deploying'],
])('the deploy steps of %s', (file, heading) => {
  it('render the prod overlay when followed exactly, with its password and write-token Secrets', () => {
    const clone = scratch('journal-deploy-steps-');
    cpSync(kustomizeRoot, join(clone, 'kustomize'), { recursive: true, filter: (source) => basename(source) !== 'secrets' });
    const applied: Rendering[] = [];
    for (const step of steps(file, heading)) {
      const [command, ...args] = step.split(/\s+/);
      if (command === 'kubectl' && args[0] === 'apply') {
        expect(args.slice(0, 2)).toEqual(['apply', '-k']);
        applied.push(render(join(clone, args[2]!)));
      } else if (command === 'kubectl') {
        expect(args).toEqual(['-n', 'journal', 'rollout', 'status', 'deploy/frontend']);
      } else {
        run('sh', [command!, ...args], { cwd: clone });
      }
    }
    expect(applied).toHaveLength(1);
    const secrets = applied[0]!.objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name);
    expect(secrets).toEqual(expect.arrayContaining([expect.stringMatching(/^redis-passwd/), 'journal-auth-tokens']));
  });
});
