// Entries are written in Markdown and shown rendered. markdown-it with raw HTML off: any HTML in
// an entry comes out escaped, as text; link targets are checked (no javascript:, vbscript:, file:
// or data: links). No images: the Content-Security-Policy would refuse other sites' images anyway,
// and a journal entry should not make the reader's browser fetch anything.
import MarkdownIt from 'markdown-it';

const markdown = new MarkdownIt('default', { html: false, linkify: false, typographer: false, breaks: true }).disable('image');

// Links open in the same tab, as any link would, but never tell the target where they came from.
const renderLink = markdown.renderer.rules.link_open ?? ((tokens, i, options, _env, self) => self.renderToken(tokens, i, options));
markdown.renderer.rules.link_open = (tokens, i, options, env, self) => {
  tokens[i]!.attrSet('rel', 'noopener noreferrer nofollow');
  return renderLink(tokens, i, options, env, self);
};

/**
 * The HTML of an entry's text: only the elements Markdown makes, never any the text spells out.
 * Trimmed, so a one-paragraph entry's textContent is its text.
 */
export function renderMarkdown(text: string): string {
  return markdown.render(text).trim();
}
