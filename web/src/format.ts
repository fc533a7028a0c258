// Pure helpers of the UI (no DOM), unit-tested in format.spec.ts.

import { countCodePoints as codePoints, MAX_TEXT_CODE_POINTS as MAX_TEXT } from '../../src/journal/entry.contract.js';

export { codePoints };

export interface Counter {
  label: string;
  over: boolean;
}

/** "12 / 10,000", or how far over the limit the text is. */
export function counter(text: string, locale?: string): Counter {
  const n = codePoints(text);
  const num = new Intl.NumberFormat(locale);
  const label = `${num.format(n)} / ${num.format(MAX_TEXT)}`;
  return n > MAX_TEXT ? { label: `${label}: ${num.format(n - MAX_TEXT)} over the limit`, over: true } : { label, over: false };
}

/** Why the text cannot be sent, or undefined when it can (the API checks again). */
export function textProblem(text: string): string | undefined {
  if (text.trim() === '') return 'Write something first.';
  const n = codePoints(text);
  if (n > MAX_TEXT) return `An entry can have at most ${MAX_TEXT.toLocaleString('en')} characters; this one has ${n.toLocaleString('en')}.`;
  return undefined;
}

/** Number of pages for `total` entries (at least one, so an empty journal is "page 1 of 1"). */
export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

/** "Page 2 of 3 · 7 entries". */
export function pageSummary(page: number, pageSize: number, total: number, locale?: string): string {
  const num = new Intl.NumberFormat(locale);
  const entries = `${num.format(total)} ${total === 1 ? 'entry' : 'entries'}`;
  return `Page ${num.format(page)} of ${num.format(pageCount(total, pageSize))} · ${entries}`;
}

/** The page number in a `?page=N` query, 1 when absent or not a page number. */
export function pageFromQuery(search: string): number {
  const value = new URLSearchParams(search).get('page') ?? '';
  return /^[1-9]\d{0,8}$/.test(value) ? Number(value) : 1;
}

/** A date in the reader's locale (the browser's languages when `locale` is undefined). */
export function formatDate(iso: string, locale?: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
}

/** The first `max` code points of a text, with an ellipsis when cut. */
export function excerpt(text: string, max: number): string {
  const chars = [...text.trim()];
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : chars.join('');
}

export const NETWORK_ERROR = "Can't reach the journal. Check your connection and try again.";
export const UNAVAILABLE =
  "The journal's storage is unavailable right now, so entries can't be loaded or saved. Please try again in a moment.";

/**
 * What to tell the reader about a failed API call: the problem's `detail` when the API sent one,
 * a clear message when the service is unavailable (503 from the API, 502/504 from the proxy).
 */
export function errorMessage(status: number, body: unknown): string {
  if (status === 503) return UNAVAILABLE;
  if (status === 502 || status === 504) return `The journal service is not responding (HTTP ${status}). Please try again in a moment.`;
  const detail = (body as { detail?: unknown } | undefined)?.detail;
  if (typeof detail === 'string' && detail.trim() !== '') return detail;
  return `Something went wrong (HTTP ${status}). Please try again.`;
}
