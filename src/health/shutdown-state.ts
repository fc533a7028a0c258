import { Injectable } from '@nestjs/common';

/**
 * Set by main.ts the moment SIGTERM arrives: readiness fails from then on, and answers close their
 * connections so that kept-alive sockets do not hold the exit back.
 */
@Injectable()
export class ShutdownState {
  shuttingDown = false;
}
