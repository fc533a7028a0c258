import { describe, expect, it } from '@jest/globals';
import { renderMarkdown } from './markdown.js';

describe('renderMarkdown', () => {
  it('renders Markdown: emphasis, lists, code, links, and a line break where the writer made one', () => {
    expect(renderMarkdown('**bold** and _soft_\nnext line')).toBe('<p><strong>bold</strong> and <em>soft</em><br>\nnext line</p>');
    expect(renderMarkdown('- one\n- `two`')).toBe('<ul>\n<li>one</li>\n<li><code>two</code></li>\n</ul>');
    expect(renderMarkdown('[site](https://example.org/a?b=1&c=2)')).toBe(
      '<p><a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">site</a></p>',
    );
  });

  it.each([
    ['<script>alert(1)</script>', '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>'],
    ['<img src=x onerror="alert(1)">', '<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>'],
    ['<b>bold?</b>', '<p>&lt;b&gt;bold?&lt;/b&gt;</p>'],
    ['<div>\nblock\n</div>', '<p>&lt;div&gt;<br>\nblock<br>\n&lt;/div&gt;</p>'],
  ])('keeps raw HTML as text: %j', (text, html) => {
    expect(renderMarkdown(text)).toBe(html);
  });

  it.each(['javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'vbscript:msgbox(1)', 'data:text/html;base64,PHNjcmlwdD4=', 'file:///etc/passwd'])(
    'makes no link to %s',
    (url) => {
      expect(renderMarkdown(`[click](${url})`)).not.toContain('<a');
    },
  );

  it('shows no image, only a link to it, not even from this site', () => {
    expect(renderMarkdown('![a cat](/cat.png)')).toBe('<p>!<a href="/cat.png" rel="noopener noreferrer nofollow">a cat</a></p>');
  });
});
