import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';

/** Flips when SIGTERM arrives, so readiness fails while requests in flight finish. */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  shuttingDown = false;

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }
}
