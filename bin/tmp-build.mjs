import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
const optionalPackages = { name: 'x', setup(build) { build.onResolve({ filter: /^[^./]/ }, ({ path }) => { if (path.startsWith('node:')) return undefined; try { require.resolve(path); return undefined; } catch { return { path, external: true }; } }); } };
const result = await build({ entryPoints: ['dist/compiled/main.js'], write: false, outfile: 'dist/main-D.js', bundle: true, platform: 'node', format: 'esm', target: 'node20',
  minifyWhitespace: true, minifySyntax: true, keepNames: true, legalComments: 'none',
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }, plugins: [optionalPackages], logLevel: 'warning' });
let code = result.outputFiles[0].text;
const helper = /(\w+)=\((\w+),(\w+)\)=>(\w+)\(\2,"name",\{\3,configurable:!0\}\)/;
const m = helper.exec(code); console.log(m?.[0]);
code = code.replace(helper, (all, n, t, v, d) => `${n}=(${t},${v})=>${t}.name===${v}?${t}:${d}(${t},"name",{value:${v},configurable:!0})`);
if (!m) throw new Error("helper not found");
writeFileSync('dist/main-D.js', code);
