import { describe, expect, it } from '@jest/globals';
import { decodeTime } from 'ulid';
import { newEntryId, parseId, stableEntryId } from './entry-id.js';

describe('newEntryId', () => {
  it('makes ids that sort by time, and still increase within one millisecond', () => {
    const now = Date.UTC(2026, 11, 6, 10, 0, 0);
    const ids = [newEntryId(now), newEntryId(now), newEntryId(now + 1)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(3);
    expect(newEntryId(now)).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('never repeats an id over many calls', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newEntryId(Date.now())));
    expect(ids.size).toBe(10_000);
  });

  it('draws fresh random bits for each new millisecond, past the end of one pool of random bytes', () => {
    // Later than any id made before in this process: an earlier time would count as the same millisecond.
    const start = Date.now() + 86_400_000;
    // 16 bytes per id: 1,000 ids read the pool of 4 KiB about four times over.
    const randomParts = Array.from({ length: 1000 }, (_, n) => newEntryId(start + n)).map((id) => {
      expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
      return id.slice(10);
    });
    expect(new Set(randomParts).size).toBe(1000);
    // Every one of the 32 characters shows up in every position: the bytes are not stuck.
    for (let position = 0; position < 16; position++) expect(new Set(randomParts.map((part) => part[position])).size).toBe(32);
  });
});

describe('parseId', () => {
  it('accepts ULIDs, in either case, as stored (upper case)', () => {
    const id = newEntryId(Date.now());
    expect(parseId(id)).toBe(id);
    expect(parseId(id.toLowerCase())).toBe(id);
  });

  it('still accepts the numeric ids of entries stored before ULIDs', () => {
    expect(parseId('17')).toBe('17');
    expect(parseId('9007199254740991')).toBe('9007199254740991');
  });

  it('refuses anything else', () => {
    const ulid = newEntryId(Date.now());
    for (const bad of [
      '0',
      '017',
      '-1',
      '1.0',
      'abc',
      '9007199254740993',
      '',
      ulid.slice(1),
      `${ulid}0`,
      `8${ulid.slice(1)}`,
      ulid.replace(/.$/, 'U'),
    ])
      expect(parseId(bad)).toBeUndefined();
  });
});

describe('stableEntryId', () => {
  const at = Date.UTC(2016, 5, 6, 14, 29, 1);

  it('is the same ULID for the same key and time, with that time, and another for another key', () => {
    const id = stableEntryId(at, 'C2A3F1B0E4D54F6E9A8B7C6D5E4F3A2B')!;
    expect(id).toMatch(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
    expect(parseId(id)).toBe(id);
    expect(stableEntryId(at, 'C2A3F1B0E4D54F6E9A8B7C6D5E4F3A2B')).toBe(id);
    expect(decodeTime(id)).toBe(at);
    expect(stableEntryId(at, 'C2A3F1B0E4D54F6E9A8B7C6D5E4F3A2C')!.slice(10)).not.toBe(id.slice(10));
  });

  it('has no id for a time a ULID cannot hold', () => {
    expect(stableEntryId(-1, 'x')).toBeUndefined();
    expect(stableEntryId(2 ** 48, 'x')).toBeUndefined();
    expect(stableEntryId(0, 'x')).toMatch(/^0{10}/);
  });
});
