import { describe, expect, it } from '@jest/globals';
import { MAX_WORD_LENGTH, normalizedWords } from './words.js';

describe('normalizedWords', () => {
  it('folds case and accents, in any script', () => {
    expect(normalizedWords('Café au LAIT, Zoë: naïve résumé! 東京 ２０２４')).toEqual([
      'cafe',
      'au',
      'lait',
      'zoe',
      'naive',
      'resume',
      '東京',
      '2024',
    ]);
  });

  it('cuts a word at MAX_WORD_LENGTH characters', () => {
    expect(normalizedWords(`${'a'.repeat(70)} ${'é'.repeat(70)}`)).toEqual(['a'.repeat(MAX_WORD_LENGTH), 'e'.repeat(MAX_WORD_LENGTH)]);
  });

  // Plain ASCII takes a shorter path: it must find exactly the words the Unicode path finds.
  // Adding " é" sends the same text down the Unicode path (and adds the word "e").
  it('finds the same words in plain ASCII as the Unicode path does', () => {
    const ascii = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)).join('');
    const texts = [ascii, ascii.repeat(3), `Today went WELL: 3 km, run_2 ${'x'.repeat(80)}`];
    let seed = 7;
    for (let n = 0; n < 200; n++) {
      texts.push(Array.from({ length: 60 }, () => String.fromCharCode((seed = (seed * 48271) % 2147483647) % 128)).join(''));
    }
    for (const text of texts) expect(normalizedWords(`${text} é`)).toEqual([...normalizedWords(text), 'e']);
  });
});
