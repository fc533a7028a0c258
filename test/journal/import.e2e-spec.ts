// Import (POST /api/entries/import) against the real API on real Redis pairs: an export imported
// into an empty journal gives the same journal back, Day One files, bad records, who may import,
// the size limit, and a storage failure part way.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeTime } from 'ulid';
import { ENTRY_KEY, PUBLIC_KEY, TIMELINE_KEY } from '../../src/journal/journal.store.js';
import type { ApiProcess } from '../support/api.js';
import { call, expectProblem, rawCall, type Reply } from '../support/http.js';
import { useJournal } from '../support/journal.js';
import { storedEntries } from '../support/stored-entries.js';
import { callers, type Who } from './callers.js';

const MiB = 1024 * 1024;
const { env, volume, headers: tokens } = callers({ RATE_LIMIT_WRITES_PER_MINUTE: '100000' });
// Where the entries come from, and an empty journal to import them into.
const source = useJournal({ env });
const target = useJournal({ env });
let from: ApiProcess;
let into: ApiProcess;
beforeAll(() => void ((from = source.api), (into = target.api)));
afterAll(() => volume.remove());

const NDJSON = 'application/x-ndjson';
const importInto = (api: ApiProcess, body: string, type: string, who: Who = 'carol', headers: Record<string, string> = {}) =>
  call(api.url, 'POST', '/api/entries/import', body, { ...tokens[who], 'content-type': type, ...headers });
const exported = async (api: ApiProcess, who: Who = 'carol') => {
  const reply = await call(api.url, 'GET', '/api/entries/export', undefined, tokens[who]);
  expect(reply.status).toBe(200);
  return reply.text;
};
const get = (api: ApiProcess, id: string, who: Who = 'carol') => call(api.url, 'GET', `/api/entries/${id}`, undefined, tokens[who]);
const search = async (api: ApiProcess, q: string, who: Who) =>
  (await call(api.url, 'GET', `/api/entries?q=${encodeURIComponent(q)}`, undefined, tokens[who])).body.entries.map(
    (entry: { id: string }) => entry.id,
  ) as string[];
const line = (entry: object) => JSON.stringify(entry);
const good = (id: string, text: string) =>
  line({ id, text, createdAt: '2020-02-02T10:00:00.000Z', updatedAt: null, author: 'alice', private: false });
/** ULIDs of 2020 (time part 01DZ...), distinct by their last characters. */
const ulid = (n: number) => `01E1J6G0000000000000${String(n).padStart(6, '0')}`;

describe('an export imported into an empty journal', () => {
  let file: string;
  let ids: string[];
  beforeAll(async () => {
    const post = async (who: Who, text: string, isPrivate = false) => {
      const reply = await call(from.url, 'POST', '/api/entries', { text, private: isPrivate }, tokens[who]);
      expect(reply.status).toBe(201);
      return reply;
    };
    // An entry stored before ULIDs, with its numeric id, older than the rest.
    const legacy = JSON.stringify({ id: '42', text: 'written before ulids', createdAt: '2019-05-01T08:00:00.000Z' });
    await source.redis.primary.command('HSET', ENTRY_KEY, '42', legacy);
    await source.redis.primary.command('ZADD', TIMELINE_KEY, Date.parse('2019-05-01T08:00:00.000Z'), '42');
    await source.redis.primary.command('ZADD', PUBLIC_KEY, Date.parse('2019-05-01T08:00:00.000Z'), '42');
    await source.redis.waitForSync();
    await post('alice', 'alice in public');
    await post('alice', 'alice keeps this zanzibar secret', true);
    await post('bob', 'bob keeps this zanzibar secret', true);
    await post('bob', 'bob in public');
    const edited = await post('alice', 'alice wrote this first');
    const patched = await call(
      from.url,
      'PATCH',
      `/api/entries/${edited.body.id}`,
      { text: 'alice edited this, and made it private', private: true },
      { ...tokens.alice, 'if-match': edited.headers.get('etag')! },
    );
    expect(patched.status).toBe(200);
    file = await exported(from);
    ids = file
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text).id);
    expect(ids).toHaveLength(6);
    expect(ids[0]).toBe('42');
    expect(JSON.parse(file.trim().split('\n')[5]!).updatedAt).toEqual(expect.any(String));
  });

  it('gives the same journal: every field of every entry, in the same order, stored the same way (same ETags)', async () => {
    const reply = await importInto(into, file, NDJSON);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ imported: 6, skipped: 0, failed: [], failedTotal: 0 });
    expect(await exported(into)).toBe(file);
    for (const id of ids) {
      const [before, after] = [await get(from, id), await get(into, id)];
      expect(after.status).toBe(200);
      expect(after.body).toEqual(before.body);
      expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    }
  });

  it('adds nothing the second time: every entry is skipped, none overwritten', async () => {
    const [first] = ids;
    const changed = file.replace('written before ulids', 'not what was stored');
    const reply = await importInto(into, changed, NDJSON);
    expect(reply.body).toEqual({ imported: 0, skipped: 6, failed: [], failedTotal: 0 });
    expect((await get(into, first!)).body.text).toBe('written before ulids');
    expect(await exported(into)).toBe(file);
  });

  it('keeps private entries private, and finds the imported entries by search and by id', async () => {
    const [, , alicePrivate, bobPrivate] = ids;
    expect(await search(into, 'zanzibar', 'carol')).toEqual([bobPrivate, alicePrivate]);
    expect(await search(into, 'zanzibar', 'alice')).toEqual([alicePrivate]);
    expect(await search(into, 'zanzibar', 'bob')).toEqual([bobPrivate]);
    expect(await search(into, 'zanzibar', 'anonymous')).toEqual([]);
    expectProblem(await get(into, bobPrivate!, 'alice'), 404, 'entry-not-found');
    expectProblem(await get(into, bobPrivate!, 'anonymous'), 404, 'entry-not-found');
    expect((await get(into, bobPrivate!, 'bob')).body.text).toBe('bob keeps this zanzibar secret');
    expect(await search(into, 'ulids', 'anonymous')).toEqual(['42']);
    expect(await exported(into, 'anonymous')).toBe(await exported(from, 'anonymous'));
    expect(await exported(into, 'bob')).toBe(await exported(from, 'bob'));
  });
});

describe('a Day One export', () => {
  const entries = [
    { uuid: 'C2A3F1B0E4D54F6E9A8B7C6D5E4F3A2B', text: 'Walked to the harbour.', creationDate: '2016-06-06T14:29:01Z' },
    { uuid: '0f8e7d6c-5b4a-3928-1716-050403020100', text: 'Rain all day.', creationDate: '2016-06-07T08:00:00Z' },
    { uuid: 'AAAABBBBCCCCDDDDEEEEFFFF00001111', text: 'Back home', creationDate: '2017-01-01T00:00:00.250Z' },
  ];
  // What Day One writes besides: metadata, and per entry many fields the import passes over.
  const file = JSON.stringify(
    {
      metadata: { version: '1.0' },
      entries: entries.map((entry, i) => ({
        ...entry,
        modifiedDate: entry.creationDate, // never edited
        timeZone: 'Europe/Paris',
        starred: i === 0,
        tags: ['walk', { nested: [1, 2, { text: 'not this one' }] }],
        location: { latitude: 48.85, longitude: 2.35, placeName: 'Paris', region: { text: 'nor this' } },
        photos: [{ md5: 'abc', type: 'jpeg' }],
        weather: null,
      })),
    },
    null,
    2,
  );

  it('is imported at its creation dates, as public entries of the importer, with ids made from the uuids', async () => {
    const reply = await importInto(into, file, 'application/json; charset=utf-8');
    expect(reply.body).toEqual({ imported: 3, skipped: 0, failed: [], failedTotal: 0 });
    const lines = (await exported(into, 'anonymous'))
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text))
      .filter((entry) => entry.author === 'carol');
    expect(lines.map(({ id: _id, ...entry }) => entry)).toEqual(
      entries.map((entry) => ({
        text: entry.text,
        createdAt: new Date(entry.creationDate).toISOString(),
        updatedAt: null,
        author: 'carol',
        private: false,
      })),
    );
    for (const [i, { id }] of lines.entries()) expect(decodeTime(id)).toBe(Date.parse(entries[i]!.creationDate));
    expect(await search(into, 'harbour', 'anonymous')).toEqual([lines[0].id]);
  });

  it('adds nothing the second time: the same uuids make the same ids', async () => {
    const before = await exported(into);
    const reply = await importInto(into, file, 'application/json');
    expect(reply.body).toEqual({ imported: 0, skipped: 3, failed: [], failedTotal: 0 });
    expect(await exported(into)).toBe(before);
  });

  it('reports bad entries by their number in `entries`, and stores the good ones around them', async () => {
    const bad = JSON.stringify({
      entries: [
        { uuid: 'D0000000000000000000000000000001', text: 'Dayone kept first', creationDate: '2015-01-01T00:00:00Z' },
        { text: 'no uuid', creationDate: '2015-01-01T00:00:00Z' },
        'not an entry',
        { uuid: 'D0000000000000000000000000000003', text: '   ', creationDate: 'yesterday' },
        { uuid: 'D0000000000000000000000000000004', text: 'before 1970', creationDate: '1969-12-31T23:59:59Z' },
        { uuid: 'D0000000000000000000000000000005', text: 'Dayone kept second', creationDate: '2015-01-02T00:00:00+02:00' },
      ],
    });
    const reply = await importInto(into, bad, 'application/json');
    expect(reply.body).toEqual({
      imported: 2,
      skipped: 0,
      failed: [
        { line: 2, reason: 'uuid is required' },
        { line: 3, reason: 'an entry must be a JSON object' },
        { line: 4, reason: 'text must not be blank; creationDate must be a date and time such as "2016-06-06T14:29:01Z", got "yesterday"' },
        { line: 5, reason: 'creationDate must be from 1970 on, got "1969-12-31T23:59:59Z"' },
      ],
      failedTotal: 4,
    });
    expect(await search(into, 'dayone kept', 'anonymous')).toHaveLength(2);
    expect((await get(into, (await search(into, 'dayone second', 'anonymous'))[0]!)).body.createdAt).toBe('2015-01-01T22:00:00.000Z');
  });

  const dayOne = (...list: object[]) => importInto(into, JSON.stringify({ entries: list }), 'application/json');
  /** An entry imported from Day One, by id and as its export line, found by words of its text. */
  const importedAs = async (words: string) => {
    const [id, ...others] = await search(into, words, 'anonymous');
    expect(others).toEqual([]);
    const line = (await exported(into))
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text))
      .find((entry) => entry.id === id);
    return { entry: (await get(into, id!)).body, line };
  };

  it('keeps a modifiedDate more than a second after creationDate as the updatedAt of an edit, by id and in the export', async () => {
    const reply = await dayOne(
      {
        uuid: 'D1000000000000000000000000000001',
        text: 'Modifiedlater days',
        creationDate: '2016-06-06T14:29:01Z',
        modifiedDate: '2016-06-08T21:02:45+02:00',
      },
      {
        uuid: 'D1000000000000000000000000000002',
        text: 'Modifiedlater second',
        creationDate: '2016-06-06T14:29:01Z',
        modifiedDate: '2016-06-06T14:29:02.001Z',
      },
    );
    expect(reply.body).toEqual({ imported: 2, skipped: 0, failed: [], failedTotal: 0 });
    for (const [words, text, updatedAt] of [
      ['modifiedlater days', 'Modifiedlater days', '2016-06-08T19:02:45.000Z'],
      ['modifiedlater second', 'Modifiedlater second', '2016-06-06T14:29:02.001Z'],
    ]) {
      const { entry, line } = await importedAs(words!);
      expect(entry).toEqual({ id: entry.id, text, createdAt: '2016-06-06T14:29:01.000Z', updatedAt, author: 'carol' });
      expect(line).toEqual({ ...entry, private: false });
    }
  });

  it('gives no updatedAt for a modifiedDate at, or a few ms around, creationDate: Day One stamps entries never edited so', async () => {
    const created = '2016-07-01T10:00:00Z';
    const reply = await dayOne(
      ...[created, '2016-07-01T10:00:00.004Z', '2016-07-01T09:59:59.996Z', '2016-07-01T12:00:01+02:00', '2016-07-01T09:00:00Z'].map(
        (modifiedDate, n) => ({
          uuid: `D200000000000000000000000000000${n}`,
          text: `Unedited stamp${n}`,
          creationDate: created,
          modifiedDate,
        }),
      ),
    );
    expect(reply.body).toEqual({ imported: 5, skipped: 0, failed: [], failedTotal: 0 });
    for (let n = 0; n < 5; n++) {
      const { entry, line } = await importedAs(`unedited stamp${n}`);
      expect(entry).not.toHaveProperty('updatedAt');
      expect(line).toMatchObject({ createdAt: '2016-07-01T10:00:00.000Z', updatedAt: null });
    }
  });

  it('fails an entry whose modifiedDate is not a date and time, saying so, and imports the others', async () => {
    const entry = (n: number, modifiedDate: unknown) => ({
      uuid: `D300000000000000000000000000000${n}`,
      text: `Badmodified entry${n}`,
      creationDate: '2016-08-01T10:00:00Z',
      modifiedDate,
    });
    const reply = await dayOne(entry(1, '2016-08-02T10:00:00Z'), entry(2, 'last tuesday'), entry(3, 1470045600), entry(4, null), {
      uuid: 'D3000000000000000000000000000005',
      text: 'Badmodified entry5',
      creationDate: '2016-08-01T10:00:00Z',
    });
    const why = 'modifiedDate must be a date and time such as "2016-06-06T14:29:01Z", got';
    expect(reply.body).toEqual({
      imported: 2,
      skipped: 0,
      failed: [
        { line: 2, reason: `${why} "last tuesday"` },
        { line: 3, reason: `${why} 1470045600` },
        { line: 4, reason: `${why} null` },
      ],
      failedTotal: 3,
    });
    expect((await importedAs('badmodified entry1')).entry.updatedAt).toBe('2016-08-02T10:00:00.000Z');
    expect((await importedAs('badmodified entry5')).entry).not.toHaveProperty('updatedAt');
    for (const n of [2, 3, 4]) expect(await search(into, `badmodified entry${n}`, 'anonymous')).toEqual([]);
  });

  it('stops where the file stops being valid JSON (400, with what was imported before) and refuses what is not a Day One export', async () => {
    // Longer than the chunks the body arrives in: the parser gives the entries of the chunks before the bad one.
    const entry = (n: number) =>
      JSON.stringify({
        uuid: `E${String(n).padStart(31, '0')}`,
        text: `broken file entry ${n} ${'x'.repeat(200)}`,
        creationDate: '2014-01-01T00:00:00Z',
      });
    const broken = `{"entries": [${Array.from({ length: 2000 }, (_, n) => entry(n)).join(',')}, {"uuid": "E1", "text" "oops"}, ${entry(2001)}]}`;
    const reply = await importInto(into, broken, 'application/json');
    expectProblem(reply, 400, 'import-unreadable');
    const { imported } = reply.body;
    expect(imported).toBeGreaterThan(0);
    expect(imported).toBeLessThan(2000);
    expect(reply.body).toMatchObject({ skipped: 0, failed: [], failedTotal: 0, lastLine: imported });
    expect(reply.body.detail).toMatch(
      new RegExp(
        `^the body is not valid JSON somewhere after entry ${imported} \\(Parser cannot parse input: expected ':'\\): the import stopped there`,
      ),
    );
    expect((await call(into.url, 'GET', '/api/entries?q=broken', undefined, {})).body.total).toBe(imported);
    for (const [body, why] of [
      ['[1, 2]', 'the body is not a JSON object'],
      ['{"entries": {}}', '"entries" is not an array'],
      ['{"metadata": {"entries": []}}', 'it has no "entries" array'],
    ]) {
      const refused = await importInto(into, body!, 'application/json');
      expectProblem(refused, 400, 'import-unreadable');
      expect(refused.body.detail).toMatch(new RegExp(`^${why!.replace(/[[\]{}()"]/g, '\\$&')}: a Day One export is`));
    }
  });
});

describe('bad records in an NDJSON file', () => {
  it('are reported with their line numbers and reasons, and the good lines around them are stored', async () => {
    const lines = [
      good(ulid(1), 'good line one'),
      '{"id": "01E1J6G000000000000000002", "text": ', // cut short
      line({ id: ulid(3), createdAt: '2020-02-02T10:00:00.000Z', updatedAt: null, author: null, private: false }),
      line({ id: ulid(4), text: ' \u200b ', createdAt: '2020-02-02T10:00:00.000Z', updatedAt: null, author: null, private: false }),
      line({ id: ulid(5), text: 'x'.repeat(10_001), createdAt: '2020-02-02T10:00:00.000Z', updatedAt: null, author: null, private: false }),
      line({ id: ulid(6), text: 'bad date', createdAt: '2020-02-30 10:00', updatedAt: null, author: null, private: false }),
      line({ id: 'not-an-id', text: 'bad id', createdAt: '2020-02-02T10:00:00.000Z', updatedAt: null, author: null, private: false }),
      line({ id: ulid(8), text: 'extra', createdAt: '2020-02-02T10:00:00.000Z', updatedAt: null, author: null, private: false, tags: [] }),
      '',
      '[1, 2, 3]',
      line({ id: ulid(11), text: 'bad author', createdAt: '2020-02-02T10:00:00.000Z', updatedAt: null, author: 'a b', private: 'no' }),
      `${good(ulid(12), 'y'.repeat(60_000))}${' '.repeat(10_000)}`, // over 64 KiB
      good(ulid(13), 'good line two'),
    ];
    const reply = await importInto(into, `${lines.join('\r\n')}\n`, NDJSON);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      imported: 2,
      skipped: 0,
      failed: [
        { line: 2, reason: expect.stringMatching(/^not valid JSON: /) },
        { line: 3, reason: 'text is required' },
        { line: 4, reason: 'text must not be blank: it has only invisible characters (such as zero-width spaces), no visible one' },
        { line: 5, reason: 'text must be at most 10000 characters, got 10001' },
        { line: 6, reason: 'createdAt must be a date and time in UTC such as "2026-11-25T09:30:00.000Z", got "2020-02-30 10:00"' },
        { line: 7, reason: 'id must be a ULID (26 characters) or the number of an entry stored before ULIDs, got "not-an-id"' },
        { line: 8, reason: 'unknown field "tags": only "id", "text", "createdAt", "updatedAt", "author" and "private" are accepted' },
        { line: 10, reason: expect.stringMatching(/^a line must be a JSON object like /) },
        {
          line: 11,
          reason: 'author must be null or a name of 1 to 64 letters, digits and ._@-, got "a b"; private must be true or false, got "no"',
        },
        { line: 12, reason: 'the line is longer than 64 KiB: no entry is that long' },
      ],
      failedTotal: 10,
    });
    expect((await get(into, ulid(1))).body.text).toBe('good line one');
    expect((await get(into, ulid(13))).body.text).toBe('good line two');
    for (const n of [2, 3, 4, 5, 6, 8, 11, 12]) expectProblem(await get(into, ulid(n)), 404, 'entry-not-found');
  });

  it('lists the first 1000 bad records and counts them all', async () => {
    const reply = await importInto(into, 'nope\n'.repeat(1500), NDJSON);
    expect(reply.body.failed).toHaveLength(1000);
    expect(reply.body.failed.at(-1).line).toBe(1000);
    expect(reply.body).toMatchObject({ imported: 0, skipped: 0, failedTotal: 1500 });
  });
});

describe('who may import, and what', () => {
  it('needs an admin token: 401 without one, 403 for a writer who is not an admin; nothing stored', async () => {
    const body = good(ulid(100), 'not allowed');
    const anonymous = await importInto(into, body, NDJSON, 'anonymous');
    expectProblem(anonymous, 401, 'unauthorized');
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="journal"');
    expectProblem(await importInto(into, body, NDJSON, 'alice'), 403, 'import-needs-admin');
    expectProblem(await importInto(into, body, NDJSON, 'anonymous', { authorization: 'Bearer nope' }), 401, 'invalid-token');
    expectProblem(await get(into, ulid(100)), 404, 'entry-not-found');
  });

  it('with AUTH_MODE=off, as edits and deletes: anyone, without a token', async () => {
    const open = await target.startApi({ AUTH_MODE: 'off' });
    const reply = await importInto(open, good(ulid(101), 'imported with AUTH_MODE=off'), NDJSON, 'anonymous');
    expect(reply.body).toEqual({ imported: 1, skipped: 0, failed: [], failedTotal: 0 });
    expect((await get(into, ulid(101))).body.author).toBe('alice');
  });

  it('takes application/x-ndjson and application/json only (415), uncompressed; the single-entry routes still refuse NDJSON', async () => {
    const body = good(ulid(102), 'wrong type');
    expectProblem(await importInto(into, body, 'text/plain'), 415, 'import-type-unsupported');
    expectProblem(await importInto(into, body, 'application/jsonl'), 415, 'import-type-unsupported');
    const none = await call(into.url, 'POST', '/api/entries/import', undefined, tokens.carol);
    expectProblem(none, 415, 'import-type-unsupported');
    expect(none.body.detail).toMatch(/got none$/);
    expectProblem(await importInto(into, body, NDJSON, 'carol', { 'content-encoding': 'gzip' }), 415, 'import-encoding-unsupported');
    expectProblem(await get(into, ulid(102)), 404, 'entry-not-found');
    expectProblem(await call(into.url, 'POST', '/api/entries', body, { ...tokens.alice, 'content-type': NDJSON }), 415);
  });
});

describe('the 100 MiB limit', () => {
  it('refuses a body whose Content-Length is over it at once (413, connection closed): nothing is read or stored', async () => {
    const body = good(ulid(200), 'announced too large');
    const reply = await rawCall(
      into.url,
      `POST /api/entries/import HTTP/1.1\r\nHost: x\r\nAuthorization: ${tokens.carol.authorization}\r\nContent-Type: ${NDJSON}\r\n` +
        `Content-Length: ${100 * MiB + 1}\r\n\r\n${body}\n`,
    );
    expectProblem(reply, 413, 'import-too-large');
    expect(reply.body).toMatchObject({ imported: 0, skipped: 0, failed: [], failedTotal: 0, lastLine: 0 });
    expect(reply.body.detail).toMatch(/nothing was imported/);
    expect(reply.headers.get('connection')).toBe('close');
    expectProblem(await get(into, ulid(200)), 404, 'entry-not-found');
  });

  it('stops a body that goes over it as it arrives (413): the lines before the limit are imported, the rest is not read', async () => {
    const before = [good(ulid(201), 'before the limit one'), good(ulid(202), 'before the limit two')].join('\n') + '\n';
    // 1 MiB of blank lines, each just under the longest line the import reads.
    const blank = Buffer.from(`${' '.repeat(64 * 1024 - 1)}\n`.repeat(16));
    const after = Buffer.from(`${good(ulid(203), 'after the limit')}\n`);
    let sent = 0;
    // Chunked: no Content-Length announces the size.
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(Buffer.from(before));
        else if (sent <= 100) controller.enqueue(blank);
        else if (sent === 101) controller.enqueue(after);
        else controller.close();
        sent++;
      },
    });
    const reply = await call(into.url, 'POST', '/api/entries/import', body, { ...tokens.carol, 'content-type': NDJSON });
    expectProblem(reply, 413, 'import-too-large');
    expect(reply.body).toMatchObject({ imported: 2, skipped: 0, failed: [], failedTotal: 0, lastLine: 2 });
    expect(reply.body.detail).toBe(
      'the body is larger than the 100 MiB limit: the import stopped there (after line 2: 2 imported, 0 skipped, 0 failed). ' +
        'Split the file: send the rest of the file (from line 3) as another import; sending all of it again is also safe (entries already stored are skipped)',
    );
    expect((await get(into, ulid(202))).body.text).toBe('before the limit two');
    expectProblem(await get(into, ulid(203)), 404, 'entry-not-found');
  }, 60_000);
});

describe('the time a request has', () => {
  it('stops reading 25 s after the request started (408): what was read is imported, and the problem says where to go on', async () => {
    // A client that sends one line a second: Node would cut the request off at 30 s.
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
        if (sent === 40) return controller.close();
        controller.enqueue(Buffer.from(`${good(ulid(300 + sent), `sent slowly ${sent}`)}\n`));
        sent++;
      },
    });
    const started = Date.now();
    const reply = await call(into.url, 'POST', '/api/entries/import', body, { ...tokens.carol, 'content-type': NDJSON });
    expect(Date.now() - started).toBeLessThan(30_000);
    expectProblem(reply, 408, 'import-timed-out');
    const { imported, lastLine } = reply.body;
    expect(imported).toBeGreaterThan(15);
    expect(reply.body).toMatchObject({ imported: lastLine, skipped: 0, failed: [], failedTotal: 0 });
    expect(reply.body.detail).toMatch(
      new RegExp(
        `^the body was not read whole within 25 s \\(a request has 30 s to arrive\\): the import stopped there \\(after line ${lastLine}: .*send the rest of the file \\(from line ${lastLine + 1}\\)`,
      ),
    );
    expect((await get(into, ulid(300 + lastLine - 1))).status).toBe(200);
    expectProblem(await get(into, ulid(300 + lastLine)), 404, 'entry-not-found');
  }, 60_000);
});

describe('a storage failure part way', () => {
  it('answers the storage problem, saying that sending the file again is safe; sent again, only what is missing is added', async () => {
    const file = Array.from({ length: 1200 }, (_, i) => good(ulid(1000 + i), `resent ${i}`)).join('\n');
    // Too few replicas confirm while the replica hangs: the first batch waits, then the import stops.
    target.redis.replica.pause();
    let reply: Reply;
    try {
      reply = await importInto(into, file, NDJSON);
    } finally {
      target.redis.replica.resume();
    }
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({ type: 'https://journal.example/problems/write-not-confirmed', status: 503 });
    expect(reply.body.detail).toMatch(/sending the same file again is safe: entries already stored are skipped$/);
    expect(reply.headers.get('retry-after')).toBe('1');
    const stored = (await storedEntries.ids(target.redis.primary)).filter((id) => id >= ulid(1000) && id <= ulid(2199)).length;
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(1200);
    await target.redis.waitForSync();
    const again = await importInto(into, file, NDJSON);
    expect(again.body).toEqual({ imported: 1200 - stored, skipped: stored, failed: [], failedTotal: 0 });
    expect((await get(into, ulid(2199))).body.text).toBe('resent 1199');
  });
});
