import type { Command, Redis } from 'ioredis';
import type { Metrics } from './metrics.js';

/**
 * Times every command a client sends, pipelined and scripted ones included: they all pass through
 * sendCommand. ioredis may send a command twice (a resend after a reconnect): it is counted once.
 */
export function instrumentRedis(client: Redis, role: 'writer' | 'reader', metrics: Metrics): Redis {
  const counted = new WeakSet<Command>();
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, ...rest) => {
    if (!counted.has(command)) {
      counted.add(command);
      const labels = { client: role, command: command.name.toLowerCase() }; // call('ROLE') and role() alike
      const stop = metrics.redisDuration.startTimer(labels);
      command.promise.then(
        () => stop(),
        () => {
          stop();
          metrics.redisErrors.inc(labels);
        },
      );
    }
    return send(command, ...rest);
  };
  return client;
}
