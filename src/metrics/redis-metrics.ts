import type { Command, Redis } from 'ioredis';
import type { Metrics } from './metrics.js';

/**
 * Times every command a client sends, pipelined and scripted ones included: they all pass through
 * sendCommand. ioredis may send a command twice (a resend after a reconnect): it is counted once.
 */
export function instrumentRedis(client: Redis, role: 'writer' | 'reader', metrics: Metrics): void {
  const counted = new WeakSet<Command>();
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, ...rest) => {
    if (!counted.has(command)) {
      counted.add(command);
      const stop = metrics.redisDuration.startTimer({ client: role, command: command.name });
      command.promise.then(
        () => stop(),
        () => {
          stop();
          metrics.redisErrors.inc({ client: role, command: command.name });
        },
      );
    }
    return send(command, ...rest);
  };
}
