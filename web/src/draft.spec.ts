import { beforeEach, describe, expect, it } from '@jest/globals';
import { keepEdit, loadEdits, type StoredEdit } from './draft.js';

/** The part of the browser's localStorage draft.ts uses, over a Map (the tests run in Node). */
class MemoryStorage {
  private readonly items = new Map<string, string>();
  get length(): number {
    return this.items.size;
  }
  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null;
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

const edit = (text: string): StoredEdit => ({
  base: { id: 'x', text: 'before', createdAt: '2026-12-06T10:00:00.000Z' },
  etag: '"e"',
  text,
  private: false,
  conflict: false,
  gone: false,
});

beforeEach(() => {
  (globalThis as { localStorage?: unknown }).localStorage = new MemoryStorage();
});

describe('open edits kept across reloads', () => {
  it("keeps each entry's edit apart: one tab saving its edit leaves another tab's in place", () => {
    keepEdit('alice', 'A', edit('tab one'));
    keepEdit('alice', 'B', edit('tab two'));
    keepEdit('alice', 'B', undefined);
    expect(loadEdits('alice')).toEqual({ A: edit('tab one') });
  });

  it("gives each author only their own, and the no-token journal's its own", () => {
    keepEdit('alice', 'A', edit('hers'));
    keepEdit('alicia', 'B', edit('not hers'));
    keepEdit(undefined, 'C', edit('anyone'));
    expect(loadEdits('alice')).toEqual({ A: edit('hers') });
    expect(loadEdits(undefined)).toEqual({ C: edit('anyone') });
  });
});
