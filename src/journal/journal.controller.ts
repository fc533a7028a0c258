import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiBadRequest, ApiUnauthorized } from '../auth/auth.openapi.js';
import { CurrentWriter, type Writer } from '../auth/writer.js';
import { WriteAuthGuard } from '../auth/write-auth.guard.js';
import { ApiProblem, ref, retryAfter } from '../openapi/responses.js';
import { ApiRateLimited, WriteRateLimitGuard } from '../rate-limit/write-rate-limit.guard.js';
import { MAX_BODY_BYTES, type Entry, type EntryPage } from './entry.contract.js';
import { entryPageSchema, entrySchema, MAX_PAGE, newEntrySchema, pageSchema, type NewEntry } from './entry.js';
import { IDEMPOTENCY_KEY_RULE, parseIdempotencyKey } from './idempotency.js';
import { ApiStorageUnavailable, ApiWriteNotConfirmed } from './journal.problems.js';
import { JournalService } from './journal.service.js';

@ApiTags('entries')
@Controller('api/entries')
export class JournalController {
  constructor(private readonly journal: JournalService) {}

  @Post()
  @UseGuards(WriteAuthGuard, WriteRateLimitGuard)
  @ApiOperation({ summary: 'Add an entry', description: 'With AUTH_MODE=token it needs a token, and the entry gets its name as `author`.' })
  @ApiBearerAuth('bearer')
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      `One key per entry a client means to add (${IDEMPOTENCY_KEY_RULE}), sent again when it retries: ` +
      'within 24 hours the same key replays the first answer instead of adding a second entry',
    schema: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7E]+$', example: '0b6f6c5e-8f0e-4d2c-9d43-6f1c2f0a7e51' },
  })
  @ApiCreatedResponse({
    description:
      'Stored, and confirmed by enough replicas (reads see it at once); or the first answer again for a repeated Idempotency-Key',
    schema: ref(entrySchema),
    headers: { Location: { description: 'The new entry: /api/entries/{id}', required: true, schema: { type: 'string' } } },
  })
  @ApiBadRequest(
    `Malformed JSON, an unknown field, \`text\` missing, not a string, blank, too long or not valid Unicode, or an Idempotency-Key that is not ${IDEMPOTENCY_KEY_RULE}; or a malformed Authorization header, or a token in the URL`,
  )
  @ApiUnauthorized('AUTH_MODE=token: no token (or another scheme than Bearer), or an unknown one (`error="invalid_token"`)')
  @ApiProblem(409, 'A request with this Idempotency-Key is still being processed; retry after `Retry-After` seconds', {
    headers: retryAfter,
  })
  @ApiProblem(413, `The body is over ${MAX_BODY_BYTES / 1024} KiB`)
  @ApiProblem(415, 'The body is not application/json')
  @ApiProblem(422, 'This Idempotency-Key was used in the last 24 hours with a different text')
  @ApiRateLimited()
  @ApiWriteNotConfirmed()
  @ApiProblem(507, 'Storage is full: nothing was stored (reads and deletes still work)')
  async create(
    @Body({ schema: newEntrySchema }) body: NewEntry,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentWriter() writer: Writer | undefined,
  ): Promise<Entry> {
    const entry = await this.journal.create(body.text, { writer: writer?.name, idempotencyKey: parseIdempotencyKey(idempotencyKey) });
    void reply.status(201).header('Location', `/api/entries/${entry.id}`);
    return entry;
  }

  @Get()
  @ApiOperation({ summary: 'A page of entries, newest first' })
  @ApiQuery({ name: 'page', required: false })
  @ApiOkResponse({ description: 'The page, with the total', schema: ref(entryPageSchema) })
  @ApiProblem(400, `\`page\` is not a whole number from 1 to ${MAX_PAGE}, or is given twice`)
  @ApiProblem(500, 'A stored entry is unreadable (never expected; logged)')
  @ApiStorageUnavailable()
  list(@Query('page', { schema: pageSchema }) page: number): Promise<EntryPage> {
    return this.journal.page(page);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One entry' })
  @ApiParam({ name: 'id', description: 'The id the API gave the entry', example: '42' })
  @ApiOkResponse({ description: 'The entry', schema: ref(entrySchema) })
  @ApiProblem(400, 'The path is not valid percent-encoding')
  @ApiProblem(404, 'No entry has this id (it never existed, was deleted, or is malformed)')
  @ApiProblem(500, 'The stored entry is unreadable (never expected; logged)')
  @ApiStorageUnavailable()
  get(@Param('id') id: string): Promise<Entry> {
    return this.journal.get(id);
  }

  @Delete(':id')
  @UseGuards(WriteAuthGuard, WriteRateLimitGuard)
  @ApiOperation({ summary: 'Delete an entry', description: 'With AUTH_MODE=token only its author or an AUTH_ADMINS name may.' })
  @ApiBearerAuth('bearer')
  @ApiParam({ name: 'id', description: 'The id the API gave the entry', example: '42' })
  @ApiNoContentResponse({
    description: 'Deleted, and confirmed by enough replicas (of simultaneous deletes of one entry, exactly one gets this)',
  })
  @ApiBadRequest('The path is not valid percent-encoding, or a malformed Authorization header, or a token in the URL')
  @ApiUnauthorized('AUTH_MODE=token: no token (or another scheme than Bearer), or an unknown one (`error="invalid_token"`)')
  @ApiProblem(403, "The token is valid, but neither the entry's author nor an AUTH_ADMINS name")
  @ApiProblem(404, 'No entry has this id (it never existed, was deleted, or is malformed)')
  @ApiRateLimited()
  @ApiWriteNotConfirmed()
  @HttpCode(204)
  async delete(@Param('id') id: string, @CurrentWriter() writer: Writer | undefined): Promise<void> {
    await this.journal.delete(id, writer);
  }
}
