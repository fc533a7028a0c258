/**
 * The words search knows an entry by: letters and digits in runs, lower case, accents taken off
 * (NFKD, then the combining marks dropped), each at most MAX_WORD_LENGTH characters. The write
 * scripts index these; a query is cut into words the same way, so both sides always agree.
 */
export const MAX_WORD_LENGTH = 64;

export function normalizedWords(text: string): string[] {
  // Plain ASCII has nothing to fold, and its letters and digits are [a-z0-9]: the same words,
  // without the Unicode passes that were most of a create's own CPU time.
  if (/^\p{ASCII}*$/u.test(text)) return (text.toLowerCase().match(/[a-z0-9]+/g) ?? []).map((word) => word.slice(0, MAX_WORD_LENGTH));
  const folded = text.toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '');
  return (folded.match(/[\p{L}\p{N}]+/gu) ?? []).map((word) => Array.from(word).slice(0, MAX_WORD_LENGTH).join(''));
}

/** The distinct words of a text, as the index stores them: joined by spaces (words never hold one). */
export function indexedWords(text: string): string {
  return [...new Set(normalizedWords(text))].join(' ');
}
