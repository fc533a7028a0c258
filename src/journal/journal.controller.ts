import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiBadRequest, READ_ACCESS_RULE } from '../auth/auth.openapi.js';
import { CurrentAuthor, type Author } from '../auth/author.js';
import { ApiProblem, ref, retryAfter } from '../openapi/responses.js';
import { StreamedBody } from '../core/streamed-body.js';
import { mayImport } from './access.js';
import { ReadOperation, WriteOperation } from './operations.js';
import { MAX_BODY_BYTES, MAX_IMPORT_BYTES, type Entry, type ImportSummary } from './entry.contract.js';
import {
  entryPageSchema,
  entryPatchSchema,
  dayOneExportSchema,
  entrySchema,
  exportedEntrySchema,
  importStoppedSchema,
  importSummarySchema,
  MAX_PAGE,
  MAX_QUERY_LENGTH,
  newEntrySchema,
  pageSchema,
  querySchema,
  type EntryPatch,
  type NewEntry,
} from './entry.js';
import { IDEMPOTENCY_KEY_RULE, parseIdempotencyKey } from './idempotency.js';
import { dayOneRecords, limitedBody, ndjsonRecords } from './import-records.js';
import { importEncodingUnsupported, importNotAllowed, importTooLarge, importTypeUnsupported } from './journal.problems.js';
import { JournalService, type Tagged } from './journal.service.js';

/** Newline-delimited JSON: the export's format, and the import's. */
const NDJSON = 'application/x-ndjson';

const etagHeader = {
  ETag: {
    description: 'The version of the entry, for If-Match when editing it',
    required: true,
    schema: { type: 'string', pattern: '^"[0-9a-f]{40}"$' },
  },
};

/** Private entries are readable only by their author and admins (signed in through ReadAuthGuard). */
const PRIVATE_RULE = 'A private entry exists only for its author and admins: for anyone else it is a 404 and is not counted.';

@ApiTags('entries')
@Controller('api/entries')
export class JournalController {
  constructor(private readonly journal: JournalService) {}

  @Post()
  @WriteOperation()
  @ApiOperation({
    summary: 'Add an entry',
    description: 'With AUTH_MODE=token it needs a token, and the entry gets its name as `author`; `private: true` needs one.',
  })
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
    headers: { Location: { description: 'The new entry: /api/entries/{id}', required: true, schema: { type: 'string' } }, ...etagHeader },
  })
  @ApiBadRequest(
    `Malformed JSON, an unknown field, \`text\` missing, not a string, blank (no visible character), too long or not valid Unicode, \`private\` not a boolean or true with AUTH_MODE=off, or an Idempotency-Key that is not ${IDEMPOTENCY_KEY_RULE}; or a malformed Authorization header (or two), or a token in the URL`,
  )
  @ApiProblem(409, 'A request with this Idempotency-Key is still being processed; retry after `Retry-After` seconds', {
    headers: retryAfter,
  })
  @ApiProblem(413, `The body is over ${MAX_BODY_BYTES / 1024} KiB`)
  @ApiProblem(415, 'The body is not application/json')
  @ApiProblem(422, 'This Idempotency-Key was used in the last 24 hours with a different text')
  @ApiProblem(507, 'Storage is full: nothing was stored (reads and deletes still work)')
  async create(
    @Body({ schema: newEntrySchema }) body: NewEntry,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentAuthor() author: Author | undefined,
  ): Promise<Entry> {
    const created = await this.journal.create(body.text, {
      author: author?.name,
      private: body.private,
      idempotencyKey: parseIdempotencyKey(idempotencyKey),
    });
    void reply.status(201).header('Location', `/api/entries/${created.entry.id}`);
    return withEtag(created, reply);
  }

  @Get()
  @ReadOperation()
  @ApiOperation({
    summary: 'A page of entries, newest first; or of those matching a search',
    description: `${READ_ACCESS_RULE} ${PRIVATE_RULE} With \`q\`: the entries holding every word of it (the last also as the start of a word), \`total\` being how many match.`,
  })
  @ApiQuery({ name: 'page', required: false })
  @ApiQuery({ name: 'q', required: false })
  @ApiOkResponse({ description: 'The page, with the total', schema: ref(entryPageSchema) })
  @ApiBadRequest(
    `\`page\` is not a whole number from 1 to ${MAX_PAGE}, or is given twice; \`q\` is over ${MAX_QUERY_LENGTH} characters or given twice; or a malformed Authorization header (or two), or a token in the URL`,
  )
  @ApiProblem(500, 'A stored entry is unreadable (never expected; logged)')
  @Header('Content-Type', 'application/json; charset=utf-8')
  list(
    @Query('page', { schema: pageSchema }) page: number,
    @Query('q', { schema: querySchema }) q: string,
    @CurrentAuthor() caller: Author | undefined,
  ): Promise<string> {
    return this.journal.page(page, caller, q);
  }

  @Get('export')
  @ReadOperation()
  @ApiOperation({
    summary: 'Every entry the caller may read, oldest first, as a file',
    description: `${READ_ACCESS_RULE} ${PRIVATE_RULE} One JSON object per line (\`id\`, \`text\`, \`createdAt\`, \`updatedAt\`, \`author\`, \`private\`; null when an entry has none), streamed in batches: memory stays constant whatever the journal's size. POST /api/entries/import takes it back.`,
  })
  @ApiProduces(NDJSON)
  @ApiOkResponse({
    description: 'The entries, one per line',
    content: { [NDJSON]: { schema: ref(exportedEntrySchema) } },
    headers: {
      'Content-Disposition': { description: 'attachment; filename="journal-<date>.ndjson"', required: true, schema: { type: 'string' } },
    },
  })
  @ApiBadRequest('A malformed Authorization header (or two), or a token in the URL')
  async export(@CurrentAuthor() caller: Author | undefined): Promise<StreamableFile> {
    const day = new Date().toISOString().slice(0, 10);
    return new StreamableFile(await this.journal.export(caller), {
      type: NDJSON,
      disposition: `attachment; filename="journal-${day}.ndjson"`,
    });
  }

  @Post('import')
  @StreamedBody()
  @WriteOperation()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Add entries from a file: an export of this journal, or a Day One export',
    description:
      `An AUTH_MODE=token admin only (with AUTH_MODE=off, like edits and deletes, anyone). The body (up to ${MAX_IMPORT_BYTES / 1024 / 1024} MiB) is read as it arrives. ` +
      '`application/x-ndjson`: the lines of GET /api/entries/export, each entry kept as it was (id, times, author, private). ' +
      '`application/json`: a Day One export (`entries[].uuid`, `text`, `creationDate`); each entry gets an id made from its uuid, the importer as author, and is public. ' +
      'An entry whose id the journal holds already is skipped, never overwritten, so sending a file again adds only what is missing. ' +
      'A bad record is reported in `failed` and not stored; each entry is stored whole or not at all. ' +
      'The body is read as fast as it is stored and, like any request, must have arrived within 30 s: an import still reading after 25 s stops there (408, saying where to go on).',
    requestBody: {
      required: true,
      content: {
        [NDJSON]: { schema: ref(exportedEntrySchema) },
        'application/json': { schema: ref(dayOneExportSchema) },
      },
    },
  })
  @ApiOkResponse({ description: 'Imported, and confirmed by enough replicas', schema: ref(importSummarySchema) })
  @ApiBadRequest(
    'A Day One body that is not `{"entries": [...]}` or stops being valid JSON (the entries before that point were imported: see the summary in the problem), a body that stopped arriving, a malformed Authorization header (or two), or a token in the URL',
  )
  @ApiProblem(403, 'The token is valid but not an AUTH_ADMINS name')
  @ApiProblem(
    408,
    'The body was not read whole 25 s after the request started: the records read until then were imported (the summary in the problem says what happened to them and the last line read)',
    { schema: importStoppedSchema },
  )
  @ApiProblem(
    413,
    `The body is over ${MAX_IMPORT_BYTES / 1024 / 1024} MiB: by its Content-Length (nothing was imported), or as it arrived (the records before the limit were imported: see the summary in the problem)`,
    { schema: importStoppedSchema },
  )
  @ApiProblem(415, 'The body is neither application/x-ndjson nor application/json, or is compressed (Content-Encoding)')
  @ApiProblem(507, 'Storage is full: the import stopped (the entries before may have been imported)')
  async import(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentAuthor() author: Author | undefined,
  ): Promise<ImportSummary> {
    if (!mayImport(author)) throw importNotAllowed(author!.name);
    const { type, length, encoding } = request.streamedBody!;
    const format = type?.split(';')[0]!.trim().toLowerCase();
    if (format !== NDJSON && format !== 'application/json') throw importTypeUnsupported(type);
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') throw importEncodingUnsupported(encoding);
    if (length !== undefined && length > MAX_IMPORT_BYTES) throw importTooLarge();
    const body = limitedBody(request.raw, performance.now() - reply.elapsedTime);
    return this.journal.import(format === NDJSON ? ndjsonRecords(body) : dayOneRecords(body, author));
  }

  @Get(':id')
  @ReadOperation()
  @ApiOperation({
    summary: 'One entry',
    description: `${READ_ACCESS_RULE} ${PRIVATE_RULE}`,
  })
  @ApiParam({ name: 'id', description: 'The id the API gave the entry', example: '01KBV5X3J8Q4M2N6P7R9S0T1VW' })
  @ApiOkResponse({ description: 'The entry', schema: ref(entrySchema), headers: etagHeader })
  @ApiBadRequest('The path is not valid percent-encoding, or a malformed Authorization header (or two), or a token in the URL')
  @ApiProblem(404, "No entry has this id (it never existed, was deleted, is malformed, or is someone else's private entry)")
  @ApiProblem(500, 'The stored entry is unreadable (never expected; logged)')
  async get(
    @Param('id') id: string,
    @CurrentAuthor() caller: Author | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Entry> {
    return withEtag(await this.journal.get(id, caller), reply);
  }

  @Patch(':id')
  @WriteOperation()
  @ApiOperation({
    summary: 'Edit an entry',
    description:
      'Its `text`, `private` or both, by its author or an AUTH_MODE=token admin; needs `If-Match` with the ETag of the version edited. The entry keeps its id, `createdAt` and place, and gets `updatedAt`.',
  })
  @ApiParam({ name: 'id', description: 'The id the API gave the entry', example: '01KBV5X3J8Q4M2N6P7R9S0T1VW' })
  @ApiHeader({
    name: 'If-Match',
    required: true,
    description: 'The ETag of the entry as the client last read it (GET /api/entries/{id}, or a previous write)',
    schema: { type: 'string', example: '"5d41402abc4b2a76b9719d911017c592a1b2c3d4"' },
  })
  @ApiOkResponse({ description: 'Edited, and confirmed by enough replicas', schema: ref(entrySchema), headers: etagHeader })
  @ApiBadRequest(
    'Malformed JSON, an unknown field, neither `text` nor `private`, a bad `text`, or `private: true` with AUTH_MODE=off; the path is not valid percent-encoding, a malformed Authorization header (or two), or a token in the URL',
  )
  @ApiProblem(403, "The token is valid and may read the entry, but is neither the entry's author nor an AUTH_ADMINS name")
  @ApiProblem(404, "No entry has this id (it never existed, was deleted, is malformed, or is someone else's private entry)")
  @ApiProblem(412, 'The entry changed since the version If-Match names: read it again')
  @ApiProblem(413, `The body is over ${MAX_BODY_BYTES / 1024} KiB`)
  @ApiProblem(415, 'The body is not application/json')
  @ApiProblem(428, 'No If-Match with an ETag (`*` is not accepted: an edit must name the version it changes)')
  @ApiProblem(507, 'Storage is full: nothing was changed')
  async edit(
    @Param('id') id: string,
    @Body({ schema: entryPatchSchema }) patch: EntryPatch,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentAuthor() author: Author | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Entry> {
    return withEtag(await this.journal.edit(id, patch, ifMatch, author), reply);
  }

  @Delete(':id')
  @WriteOperation()
  @ApiOperation({ summary: 'Delete an entry', description: 'With AUTH_MODE=token only its author or an AUTH_ADMINS name may.' })
  @ApiParam({ name: 'id', description: 'The id the API gave the entry', example: '01KBV5X3J8Q4M2N6P7R9S0T1VW' })
  @ApiNoContentResponse({
    description: 'Deleted, and confirmed by enough replicas (of simultaneous deletes of one entry, exactly one gets this)',
  })
  @ApiBadRequest('The path is not valid percent-encoding, a malformed Authorization header (or two), or a token in the URL')
  @ApiProblem(403, "The token is valid and may read the entry, but is neither the entry's author nor an AUTH_ADMINS name")
  @ApiProblem(404, "No entry has this id (it never existed, was deleted, is malformed, or is someone else's private entry)")
  @HttpCode(204)
  async delete(@Param('id') id: string, @CurrentAuthor() author: Author | undefined): Promise<void> {
    await this.journal.delete(id, author);
  }
}

function withEtag({ entry, etag }: Tagged, reply: FastifyReply): Entry {
  void reply.header('ETag', etag);
  return entry;
}
