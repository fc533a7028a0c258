import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { WriteRateLimitGuard } from '../rate-limit/write-rate-limit.guard.js';
import type { Entry, EntryPage } from './entry.contract.js';
import { newEntrySchema, pageSchema, type NewEntry } from './entry.js';
import { JournalService } from './journal.service.js';

@Controller('api/entries')
export class JournalController {
  constructor(private readonly journal: JournalService) {}

  @Post()
  @UseGuards(WriteRateLimitGuard)
  async create(
    @Body({ schema: newEntrySchema }) body: NewEntry,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Entry> {
    const entry = await this.journal.create(body.text);
    void reply.status(201).header('Location', `/api/entries/${entry.id}`);
    return entry;
  }

  @Get()
  list(@Query('page', { schema: pageSchema }) page: number): Promise<EntryPage> {
    return this.journal.page(page);
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<Entry> {
    return this.journal.get(id);
  }

  @Delete(':id')
  @UseGuards(WriteRateLimitGuard)
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.journal.delete(id);
  }
}
