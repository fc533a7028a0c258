// Runs the built API (dist/main.js) under the V8 CPU profiler, for `npm run bench -- --main
// bench/profile.mjs` (node's --cpu-prof is not allowed in NODE_OPTIONS). On SIGTERM, when the
// benchmark stops the API, the profile is written to the system's temporary folder; open it in
// Chrome's DevTools (Performance) or read it as JSON.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 100 }); // µs
session.post('Profiler.start');
process.prependOnceListener('SIGTERM', () => {
  session.post('Profiler.stop', (error, result) => {
    if (error) return console.error(`bench/profile.mjs: ${error.message}`);
    const file = join(tmpdir(), `journal-api-${process.pid}.cpuprofile`);
    writeFileSync(file, JSON.stringify(result.profile));
    console.error(`bench/profile.mjs: profile written to ${file}`);
  });
});
await import('../dist/main.js');
