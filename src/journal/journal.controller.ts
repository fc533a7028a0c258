import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiProblem, ref } from '../openapi/responses.js';
import { ApiRateLimited, WriteRateLimitGuard } from '../rate-limit/write-rate-limit.guard.js';
import { MAX_BODY_BYTES, type Entry, type EntryPage } from './entry.contract.js';
import { entryPageSchema, entrySchema, MAX_PAGE, newEntrySchema, pageSchema, type NewEntry } from './entry.js';
import { ApiStorageUnavailable } from './journal.problems.js';
import { JournalService } from './journal.service.js';

@ApiTags('entries')
@Controller('api/entries')
export class JournalController {
  constructor(private readonly journal: JournalService) {}

  @Post()
  @UseGuards(WriteRateLimitGuard)
  @ApiOperation({ summary: 'Add an entry' })
  @ApiCreatedResponse({
    description: 'Stored (replicas too: reads see it at once)',
    schema: ref(entrySchema),
    headers: { Location: { description: 'The new entry: /api/entries/{id}', required: true, schema: { type: 'string' } } },
  })
  @ApiProblem(400, 'Malformed JSON, an unknown field, or `text` missing, not a string, blank, too long or not valid Unicode')
  @ApiProblem(413, `The body is over ${MAX_BODY_BYTES / 1024} KiB`)
  @ApiProblem(415, 'The body is not application/json')
  @ApiRateLimited()
  @ApiStorageUnavailable()
  async create(
    @Body({ schema: newEntrySchema }) body: NewEntry,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Entry> {
    const entry = await this.journal.create(body.text);
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
  @UseGuards(WriteRateLimitGuard)
  @ApiOperation({ summary: 'Delete an entry' })
  @ApiParam({ name: 'id', description: 'The id the API gave the entry', example: '42' })
  @ApiNoContentResponse({ description: 'Deleted (of simultaneous deletes of one entry, exactly one gets this)' })
  @ApiProblem(400, 'The path is not valid percent-encoding')
  @ApiProblem(404, 'No entry has this id (it never existed, was deleted, or is malformed)')
  @ApiRateLimited()
  @ApiStorageUnavailable()
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.journal.delete(id);
  }
}
