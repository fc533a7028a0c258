import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemException, type Problem } from './problem.js';

const STATUS_TEXT: Record<number, string> = Object.fromEntries(
  Object.entries(HttpStatus)
    .filter(([, code]) => typeof code === 'number')
    .map(([name, code]) => [code, name.charAt(0) + name.slice(1).toLowerCase().replaceAll('_', ' ')]),
);

/** Fastify's body-parsing errors reach us as HttpExceptions with terse texts; these say what to do. */
function clearerDetail(status: number, request: FastifyRequest): string | undefined {
  if (status === 413) return `the request body is larger than the ${request.routeOptions.bodyLimit / 1024} KiB limit`;
  if (status === 415) return 'Content-Type must be application/json';
  return undefined;
}

/** Turns any error into problem+json; unexpected ones are logged and never shown to the client. */
function toProblem(error: unknown, request: FastifyRequest, logger: Logger): { problem: Problem; headers: Record<string, string> } {
  if (error instanceof ProblemException) return { problem: error.toProblem(), headers: error.headers };
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return { problem: basic(status, clearerDetail(status, request) ?? error.message), headers: {} };
  }
  const routerError = error as { statusCode?: unknown; message?: unknown };
  if (typeof routerError.statusCode === 'number' && routerError.statusCode >= 400 && routerError.statusCode < 500) {
    return { problem: basic(routerError.statusCode, String(routerError.message)), headers: {} };
  }
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return { problem: basic(500, 'Something went wrong on our side; it has been logged'), headers: {} };
}

function basic(status: number, detail: string): Problem {
  return { type: 'about:blank', title: STATUS_TEXT[status] ?? 'Error', status, detail };
}

/** Also used for Fastify's router errors (a malformed URL), which happen before Nest sees the request. */
export function sendProblem(reply: FastifyReply, error: unknown, logger: Logger): void {
  const { problem, headers } = toProblem(error, reply.request, logger);
  void reply.status(problem.status).headers(headers).type('application/problem+json').send(JSON.stringify(problem));
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(error: unknown, host: ArgumentsHost): void {
    sendProblem(host.switchToHttp().getResponse<FastifyReply>(), error, this.logger);
  }
}
