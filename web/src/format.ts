// Pure helpers of the UI (no DOM), unit-tested in format.spec.ts.

import { blankProblem, countCodePoints as codePoints, MAX_TEXT_CODE_POINTS as MAX_TEXT } from '../../src/journal/entry.contract.js';

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
  const blank = blankProblem(text);
  if (blank === 'blank') return 'Write something first.';
  if (blank === 'invisible') return 'This entry has only invisible characters (such as zero-width spaces): write something visible.';
  const n = codePoints(text);
  if (n > MAX_TEXT) return `An entry can have at most ${MAX_TEXT.toLocaleString('en')} characters; this one has ${n.toLocaleString('en')}.`;
  return undefined;
}

/** Number of pages for `total` entries (at least one, so an empty journal is "page 1 of 1"). */
export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

/** "Page 2 of 3 · 7 entries", or of a search's results "Page 2 of 3 · 7 entries match". */
export function pageSummary(page: number, pageSize: number, total: number, locale?: string, searching = false): string {
  const num = new Intl.NumberFormat(locale);
  const entries = searching ? matchSummary(total, locale) : `${num.format(total)} ${total === 1 ? 'entry' : 'entries'}`;
  return `Page ${num.format(page)} of ${num.format(pageCount(total, pageSize))} · ${entries}`;
}

/** How many entries a search found: "No entries match", "1 entry matches", "7 entries match". */
export function matchSummary(total: number, locale?: string): string {
  if (total === 0) return 'No entries match';
  return total === 1 ? '1 entry matches' : `${new Intl.NumberFormat(locale).format(total)} entries match`;
}

/** The page number in a `?page=N` query, 1 when absent or not a page number. */
export function pageFromQuery(search: string): number {
  const value = new URLSearchParams(search).get('page') ?? '';
  return /^[1-9]\d{0,8}$/.test(value) ? Number(value) : 1;
}

/** The search in a `?q=words` query ('' when there is none). */
export function searchFromQuery(search: string): string {
  return new URLSearchParams(search).get('q') ?? '';
}

/** The query part of the page's address for a page of the list or of a search ('' for the first page of the list). */
export function listQuery(page: number, q: string): string {
  const params = new URLSearchParams();
  if (q.trim() !== '') params.set('q', q);
  if (page !== 1) params.set('page', String(page));
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}

/**
 * The file name a Content-Disposition header gives (RFC 6266: `filename*=UTF-8''...` before
 * `filename="..."`), or undefined when it gives none.
 */
export function fileNameFromDisposition(header: string | null): string | undefined {
  if (header === null) return undefined;
  const extended = /filename\*\s*=\s*UTF-8''([^;\s]+)/i.exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[1]!);
    } catch {
      // malformed percent-encoding: try the plain parameter
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(header);
  if (!plain) return undefined;
  const name = plain[1] === undefined ? plain[2]! : plain[1].replace(/\\(.)/g, '$1');
  return name.trim() === '' ? undefined : name;
}

/**
 * A date in the reader's locale (the browser's languages when `locale` is undefined), to the
 * second: entries written a minute apart, or within one minute, show different times.
 */
export function formatDate(iso: string, locale?: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium', timeZone }).format(new Date(iso));
}

/**
 * How controls name their entry for screen readers, which list buttons out of context: its time
 * and first words, "entry from Nov 25, 2026, 9:05:07 AM: “Dear diary…”". Each name is made
 * unique on the page: a repeat (same second, same start) gets " (2)", " (3)"...
 */
export function entryNames(entries: readonly { createdAt: string; text: string }[], locale?: string, timeZone?: string): string[] {
  const seen = new Map<string, number>();
  return entries.map((entry) => {
    const name = `entry from ${formatDate(entry.createdAt, locale, timeZone)}: “${excerpt(entry.text.replace(/\s+/g, ' '), 40)}”`;
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name} (${count})`;
  });
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
/** "journal.ndjson: 12 entries imported, 3 already there, 1 record not imported (listed below)." */
export function importSummaryText(
  name: string,
  result: { imported: number; skipped: number; failedTotal: number },
  locale?: string,
): string {
  const num = new Intl.NumberFormat(locale);
  const count = (n: number, one: string, many: string) => `${num.format(n)} ${n === 1 ? one : many}`;
  const parts = [`${count(result.imported, 'entry', 'entries')} imported`];
  if (result.skipped > 0) parts.push(`${count(result.skipped, 'entry', 'entries')} already there`);
  if (result.failedTotal > 0) parts.push(`${count(result.failedTotal, 'record', 'records')} not imported (listed below)`);
  return `${name}: ${parts.join(', ')}.`;
}

export function errorMessage(status: number, body: unknown): string {
  if (status === 503) return UNAVAILABLE;
  if (status === 502 || status === 504) return `The journal service is not responding (HTTP ${status}). Please try again in a moment.`;
  const detail = (body as { detail?: unknown } | undefined)?.detail;
  if (typeof detail === 'string' && detail.trim() !== '') return detail;
  return `Something went wrong (HTTP ${status}). Please try again.`;
}
