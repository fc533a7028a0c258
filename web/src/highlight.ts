// A search's words marked (<mark>) in the entries it found, by the API's rules (docs/api.md,
// Search): every word of the query as a whole word, the last one also as the start of a word,
// case and accents ignored. Words are cut and folded by the API's own code (src/journal/words.ts),
// so what is marked is what matched. Only text nodes of the rendered Markdown are changed: no
// HTML is ever rewritten as a string.
import { MAX_WORD_LENGTH, normalizedWords } from '../../src/journal/words.js';

export interface SearchTerms {
  /** Whole words. */
  words: string[];
  /** The last word: also the start of a word. */
  prefix: string;
}

/** The query's words as the API takes them; undefined when it has none (then the API answers the plain list). */
export function searchTerms(q: string): SearchTerms | undefined {
  const words = [...new Set(normalizedWords(q))];
  const prefix = words.pop();
  return prefix === undefined ? undefined : { words, prefix };
}

const WORD = /[\p{L}\p{N}]+/gu;

/** What one character becomes in the search's eyes (words.ts, for one character): lower case, no accents. */
const fold = (char: string) => char.toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '');

/** The words of `text` that `terms` match, as [start, end) offsets (UTF-16) into `text`. */
export function matchRanges(text: string, terms: SearchTerms): [number, number][] {
  // Folded one character at a time, remembering which character each folded unit came from, so a
  // word found in the folded text maps back to the characters shown (é folds to one unit, ﬁ to two).
  let folded = '';
  const origin: [number, number][] = [];
  let offset = 0;
  for (const char of text) {
    const unit = fold(char);
    for (let i = 0; i < unit.length; i++) origin.push([offset, offset + char.length]);
    folded += unit;
    offset += char.length;
  }
  const ranges: [number, number][] = [];
  for (const match of folded.matchAll(WORD)) {
    const start = origin[match.index]![0];
    let end = origin[match.index + match[0].length - 1]![1];
    // Accents written as separate marks (e + U+0301) fold to nothing: they stay with their letter.
    while (end < text.length) {
      const next = String.fromCodePoint(text.codePointAt(end)!);
      if (fold(next) !== '') break;
      end += next.length;
    }
    if (ranges.length > 0 && start < ranges[ranges.length - 1]![1]) continue; // one character, two words (½): marked once
    // The word as the API indexed it (lower case in its context: a final Σ is ς), unless its
    // characters fold into several words (½ is 1⁄2): then the folded one found here.
    const whole = normalizedWords(text.slice(start, end));
    const word = whole.length === 1 ? whole[0]! : Array.from(match[0]).slice(0, MAX_WORD_LENGTH).join('');
    if (terms.words.includes(word) || word.startsWith(terms.prefix)) ranges.push([start, end]);
  }
  return ranges;
}

/** Wraps every matching word in the text nodes under `root` in a <mark>; returns how many. */
export function highlightMatches(root: HTMLElement, terms: SearchTerms): number {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes: Text[] = [];
  while (walker.nextNode()) nodes.push(walker.currentNode as Text);
  let marked = 0;
  for (const node of nodes) {
    // From the last match back, so the earlier offsets still hold in what is left of the node.
    for (const [start, end] of matchRanges(node.data, terms).reverse()) {
      const word = node.splitText(start);
      word.splitText(end - start);
      const mark = document.createElement('mark');
      word.replaceWith(mark);
      mark.append(word);
      marked++;
    }
  }
  return marked;
}
