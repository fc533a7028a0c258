import { Injectable } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

/**
 * Set by main.ts the moment SIGTERM arrives: readiness fails from then on, and answers close their
 * connections so that kept-alive sockets do not hold the exit back.
 */
@Injectable()
export class ShutdownState {
  shuttingDown = false;
}

/** While shutting down, answers close their connections, so kept-alive sockets do not hold the exit back. */
export function closeConnectionsWhenShuttingDown(fastify: FastifyInstance, state: ShutdownState): void {
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (state.shuttingDown) void reply.header('connection', 'close');
    done(null, payload);
  });
}
