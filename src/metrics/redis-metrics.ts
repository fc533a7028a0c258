import type { Command, Redis } from 'ioredis';
import type { Metrics } from './metrics.js';

/** Marks a command already timed: ioredis may send a command twice (a resend after a reconnect). */
const TIMED = Symbol('journal.timed');

type Labels = { client: string; command: string };

/**
 * Times every command a client sends, pipelined and scripted ones included: they all pass through
 * sendCommand. Per command it allocates only the reply callbacks: label objects are made once per
 * command name, and the "timed" mark is a property. With a WeakSet of commands and prom-client's
 * startTimer, the instrumentation cost 3-6 µs of CPU per request (docs/benchmarks.md).
 */
export function instrumentRedis(client: Redis, role: 'writer' | 'reader', metrics: Metrics): Redis {
  const labelsByCommand = new Map<string, Labels>();
  const labelsOf = (name: string): Labels => {
    let labels = labelsByCommand.get(name);
    if (!labels) {
      labels = { client: role, command: name.toLowerCase() }; // call('ROLE') and role() alike
      labelsByCommand.set(name, labels);
    }
    return labels;
  };
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command: Command & { [TIMED]?: true }, stream) => {
    if (!command[TIMED]) {
      command[TIMED] = true;
      const labels = labelsOf(command.name);
      const started = performance.now();
      const observe = () => metrics.redisDuration.observe(labels, (performance.now() - started) / 1000);
      command.promise.then(observe, () => {
        observe();
        metrics.redisErrors.inc(labels);
      });
    }
    return send(command, stream);
  };
  return client;
}
