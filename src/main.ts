import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppModule } from './app.module.js';
import { startupErrorLine } from './config/config-error.js';
import { loggingConfig } from './config/logging.config.js';
import { securityConfig } from './config/security.config.js';
import { serverConfig } from './config/server.config.js';
import { HEALTH_PATH } from './health/health.controller.js';
import { ShutdownState } from './health/shutdown-state.js';
import { MAX_BODY_BYTES } from './journal/entry.contract.js';
import { createLogger, NestLogger } from './logging/logger.js';
import { RequestLog, requestId } from './logging/request-log.js';
import { DOCS_PATH, setupOpenApi } from './openapi/openapi.js';
import { clientErrorProblem, sendProblem } from './problem/problem.filter.js';
import { trustedProxies } from './security/client-address.js';
import { refusal } from './security/request-screen.js';
import { securityHeaders } from './security/security.js';
import { SLOW_CLIENT_LIMITS } from './security/slow-clients.js';

async function bootstrap(): Promise<void> {
  // Fastify needs the logger and the proxy trust before Nest (and its ConfigModule) exist.
  const server = serverConfig();
  const security = securityConfig();
  const pino = await createLogger(loggingConfig());
  const logger = new Logger('Journal');
  const addSecurityHeaders = securityHeaders(DOCS_PATH);
  const adapter = new FastifyAdapter({
    loggerInstance: pino,
    logController: new RequestLog(`/${HEALTH_PATH}`),
    genReqId: requestId,
    trustProxy: trustedProxies(security.trustProxy),
    bodyLimit: MAX_BODY_BYTES,
    // __proto__ and constructor.prototype keys are dropped while parsing, so they never reach the store.
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    clientErrorHandler: clientErrorProblem,
    ...SLOW_CLIENT_LIMITS,
    // Path parameters are checked by their handlers: the router takes any length the URL may have
    // (Node limits the request line with the headers, 16 KiB).
    routerOptions: { maxParamLength: 16 * 1024 },
    // Router errors (a URL that is not valid percent-encoding) never reach Nest, nor the hooks that
    // add the usual headers or refuse a credential in the URL (which the error's text would echo).
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      addSecurityHeaders(request, reply);
      void reply.header('x-request-id', request.id);
      sendProblem(reply, refusal(request) ?? error, logger);
    },
  });
  // JSON bodies only (Fastify's own parser): any other type is a 415, never parsed.
  adapter.getInstance().removeContentTypeParser('text/plain');

  // bodyParser: false keeps Nest from adding form (urlencoded) parsing.
  // Nest's own logger stays off until start-up succeeded: a failed start is one line, not a stack trace.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, {
    bodyParser: false,
    logger: false,
    abortOnError: false,
  });
  app.useLogger(new NestLogger(pino));
  setupOpenApi(app);

  await app.listen(server.port, server.host);
  logger.log(`listening on ${server.host} port ${server.port}, metrics on port ${server.metricsPort}`);

  // Nest's enableShutdownHooks re-raises the signal (exit 143); Kubernetes expects a clean 0 after draining.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.log(`${signal}: finishing requests in flight`);
      app.get(ShutdownState).shuttingDown = true;
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(`shutdown failed: ${String(error)}`);
          process.exit(1);
        },
      );
    });
  }
}

bootstrap().catch((error: unknown) => {
  console.error(startupErrorLine(error) ?? `Start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
