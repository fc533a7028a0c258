// Bundles the compiled API (dist/compiled, from tsc: it keeps the decorator metadata Nest needs)
// into one file, dist/main.js: loading hundreds of ES modules one by one was most of the start-up
// time (docs/adr/0002-bundled-image-without-node-modules.md; `npm run bench -- --only startup`).
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

await build({
  entryPoints: ['dist/compiled/main.js'],
  outfile: 'dist/main.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  keepNames: true, // Nest resolves providers and logs by class name
  legalComments: 'linked',
  // CommonJS packages in the bundle (ioredis, fastify) call require().
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  plugins: [optionalPackages],
  logLevel: 'warning',
});
