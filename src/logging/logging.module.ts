import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { returnRequestId } from './request-log.js';

/** Every answer carries its request id (the logger itself is Fastify's, made in main.ts). */
@Module({})
export class LoggingModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    returnRequestId(this.adapterHost.httpAdapter.getInstance<FastifyInstance>());
  }
}
