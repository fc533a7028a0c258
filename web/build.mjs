// Builds the web UI into web/dist: one script and one stylesheet, named by a hash of their content
// (app.<hash>.js, styles.<hash>.css) so NGINX can let browsers cache them for a year, and the
// HTML pages that reference them (no inline script: the Content-Security-Policy forbids it).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const src = join(import.meta.dirname, 'src');
const dist = join(import.meta.dirname, 'dist');

const { outputFiles } = await build({
  entryPoints: [join(src, 'app.ts'), join(src, 'styles.css')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022', 'chrome111', 'firefox113', 'safari16.4'],
  outdir: dist,
  write: false,
  logLevel: 'warning',
});

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'assets'), { recursive: true });

// Placeholders in the HTML ({{app.js}}, {{styles.css}}) → fingerprinted paths.
const assets = new Map();
for (const file of outputFiles) {
  const name = file.path.slice(dist.length + 1);
  const hash = createHash('sha256').update(file.contents).digest('hex').slice(0, 10);
  const path = `assets/${name.replace(/\.(\w+)$/, `.${hash}.$1`)}`;
  writeFileSync(join(dist, path), file.contents);
  assets.set(name, `/${path}`);
}

for (const page of ['index.html', '404.html']) {
  const html = readFileSync(join(src, page), 'utf8').replace(/\{\{([\w.]+)\}\}/g, (_, name) => {
    const path = assets.get(name);
    if (!path) throw new Error(`${page} references {{${name}}}, which the build does not produce`);
    return path;
  });
  writeFileSync(join(dist, page), html);
}

for (const path of [...assets.values(), '/index.html']) {
  const bytes = readFileSync(join(dist, path));
  console.log(`web/dist${path}  ${bytes.length} B, ${gzipSync(bytes, { level: 9 }).length} B gzipped`);
}
