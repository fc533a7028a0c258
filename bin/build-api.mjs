// Bundles the compiled API (dist/compiled, from tsc: it keeps the decorator metadata Nest needs)
// into one file, dist/main.js: loading hundreds of ES modules one by one was most of the start-up
// time (docs/adr/0002-bundled-image-without-node-modules.md; `npm run bench -- --only startup`).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);

// Nest and Fastify import optional packages only when a feature asks for them (microservices,
// class-validator, @fastify/static...). Those that are not installed stay imports, never reached.
const optionalPackages = {
  name: 'leave-uninstalled-packages-external',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, ({ path }) => {
      if (path.startsWith('node:')) return undefined;
      try {
        require.resolve(path);
        return undefined;
      } catch {
        return { path, external: true };
      }
    });
  },
};

const { outputFiles } = await build({
  entryPoints: ['dist/compiled/main.js'],
  outfile: 'dist/main.js',
  write: false,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Identifiers keep their names: Nest resolves providers and logs by class name, and with names
  // kept, keepNames has almost nothing to restore (see keepNamesOnlyWhereChanged).
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  legalComments: 'linked',
  // CommonJS packages in the bundle (ioredis, fastify) call require().
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  plugins: [optionalPackages],
  logLevel: 'warning',
});

/**
 * esbuild's keepNames helper redefines `name` on every function it is given, each time the
 * function is created: closures made per request (in Fastify, ioredis, Nest) then change shape on
 * every call, which cost about 15% of the API's throughput (docs/benchmarks.md). The names that
 * matter are the classes' (Nest's providers, logs), and with identifiers kept, only the classes the
 * bundle renamed (`class JournalStore2` for TypeScript's decorated classes) have a wrong one. The
 * helper now leaves alone functions with the right name and those whose name is not a class's
 * (capitalised, or `$` as zod's): closures such as Fastify's per-request `next`, renamed `next2`
 * in the bundle, whose names nothing reads. (Asking a function for its `prototype`, as the check
 * did before, makes V8 create one: a cost on every request.)
 */
function keepNamesOnlyWhereChanged(code) {
  const helper = /(\w+)=\((\w+),(\w+)\)=>(\w+)\(\2,"name",\{\3,configurable:!0\}\)/;
  if (!helper.test(code)) throw new Error("bin/build-api.mjs: esbuild's keepNames helper has changed; update keepNamesOnlyWhereChanged");
  return code.replace(
    helper,
    (_, name, fn, value, defineProperty) =>
      `${name}=(${fn},${value})=>${fn}.name===${value}||(${value}[0]<"A"||${value}[0]>"Z")&&${value}[0]!=="$"?${fn}:${defineProperty}(${fn},"name",{value:${value},configurable:!0})`,
  );
}

for (const file of outputFiles) {
  writeFileSync(file.path, file.path.endsWith('main.js') ? keepNamesOnlyWhereChanged(file.text) : file.contents);
}
