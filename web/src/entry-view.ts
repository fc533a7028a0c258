// How an entry is shown: its line of facts (time, author, when edited, Private), its rendered
// text, and the editor that takes the text's place while it is edited. Plain DOM: text is set as
// text; the only HTML is markdown-it's, with raw HTML off (markdown.ts).
import type { Entry } from './api.js';
import type { StoredEdit } from './draft.js';
import { counter, formatDate } from './format.js';
import { highlightMatches, type SearchTerms } from './highlight.js';
import { renderMarkdown } from './markdown.js';

/** An edit in progress. Kept apart from the list, so that reloading the list (a search, a page, a save) loses nothing typed. */
export interface Edit extends StoredEdit {
  /** Who opened it (undefined when writes need no token). */
  author: string | undefined;
  error: string;
  saving: boolean;
}

const SVG = 'http://www.w3.org/2000/svg';

function timeOf(iso: string): HTMLTimeElement {
  const time = document.createElement('time');
  time.dateTime = iso;
  time.textContent = formatDate(iso);
  return time;
}

/** A padlock and "Private": not told by colour alone, and the text is what screen readers say. */
function privateMark(): HTMLSpanElement {
  const mark = document.createElement('span');
  mark.className = 'private-mark';
  const icon = document.createElementNS(SVG, 'svg');
  icon.setAttribute('viewBox', '0 0 16 16');
  icon.setAttribute('aria-hidden', 'true');
  icon.setAttribute('focusable', 'false');
  const padlock = document.createElementNS(SVG, 'path');
  padlock.setAttribute('fill', 'currentColor');
  padlock.setAttribute(
    'd',
    'M5 7V5a3 3 0 0 1 6 0v2h.5A1.5 1.5 0 0 1 13 8.5v5a1.5 1.5 0 0 1-1.5 1.5h-7A1.5 1.5 0 0 1 3 13.5v-5A1.5 1.5 0 0 1 4.5 7H5zm1.5 0h3V5a1.5 1.5 0 0 0-3 0v2z',
  );
  icon.append(padlock);
  mark.append(icon, 'Private');
  return mark;
}

/** When, by whom, whether private, when edited. */
export function entryMeta(entry: Entry): HTMLDivElement {
  const meta = document.createElement('div');
  meta.className = 'meta';
  meta.append(timeOf(entry.createdAt));
  if (entry.author !== undefined) {
    const author = document.createElement('span');
    author.className = 'author';
    author.textContent = ` · ${entry.author}`;
    meta.append(author);
  }
  if (entry.updatedAt !== undefined) {
    const edited = document.createElement('span');
    edited.className = 'edited';
    edited.append(' · edited ', timeOf(entry.updatedAt));
    meta.append(edited);
  }
  if (entry.private === true) meta.append(' ', privateMark());
  return meta;
}

/** An entry's text, rendered, with the words of a search marked. */
export function entryText(entry: Entry, index: number, terms: SearchTerms | undefined): HTMLDivElement {
  const text = document.createElement('div');
  text.className = 'text';
  text.id = `entry-${index}-text`;
  // Markdown with raw HTML off: the only elements are those Markdown makes (markdown.ts).
  text.innerHTML = renderMarkdown(entry.text);
  if (terms !== undefined) highlightMatches(text, terms);
  return text;
}

/** How a text box is saved from the keyboard (the same keys for a new entry and an edit). */
export const SAVE_KEYS_HINT = /Mac|iPhone|iPad/.test(navigator.userAgent) ? '⌘+Enter saves' : 'Ctrl+Enter saves';

/** Ctrl+Enter (⌘+Enter) in `field` submits `form`. */
export function saveOnCtrlEnter(field: HTMLTextAreaElement, form: HTMLFormElement): void {
  field.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}

export interface EditorActions {
  /** Whether the entry can be made private (writes need a token, and one is signed in). */
  canBePrivate: boolean;
  /** The text or the Private box changed (the edit is kept across reloads). */
  changed(): void;
  save(): void;
  cancel(): void;
}

/** The editor that replaces an entry's text while it is edited; everything typed goes into `edit` at once. */
export function editorOf(edit: Edit, index: number, actions: EditorActions): HTMLFormElement {
  const form = document.createElement('form');
  form.className = 'editor';
  form.noValidate = true;
  const fieldId = `edit-${index}`;
  if (edit.conflict) form.append(conflictNote(edit, fieldId));

  const label = document.createElement('label');
  label.htmlFor = fieldId;
  label.textContent = 'Your text';
  const field = document.createElement('textarea');
  field.id = fieldId;
  field.name = 'text';
  field.rows = 6;
  field.value = edit.text;
  field.setAttribute('aria-describedby', `${fieldId}-counter ${fieldId}-help ${fieldId}-error`);
  const help = document.createElement('span');
  help.id = `${fieldId}-help`;
  help.textContent = SAVE_KEYS_HINT;
  const count = document.createElement('span');
  count.id = `${fieldId}-counter`;
  const formMeta = document.createElement('div');
  formMeta.className = 'form-meta';
  formMeta.append(help, count);
  const error = document.createElement('p');
  error.id = `${fieldId}-error`;
  error.className = 'error';
  error.setAttribute('role', 'alert');
  error.textContent = edit.error;
  const showCount = () => {
    const { label: countLabel, over } = counter(field.value);
    count.textContent = countLabel;
    count.classList.toggle('over', over);
    field.setAttribute('aria-invalid', String(over || edit.error !== ''));
  };
  showCount();
  field.addEventListener('input', () => {
    edit.text = field.value;
    edit.error = error.textContent = '';
    showCount();
    actions.changed();
  });
  saveOnCtrlEnter(field, form);
  form.append(label, field, formMeta);

  if (actions.canBePrivate) {
    const choice = document.createElement('div');
    choice.className = 'check';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.id = `${fieldId}-private`;
    box.checked = edit.private;
    box.addEventListener('change', () => {
      edit.private = box.checked;
      actions.changed();
    });
    const boxLabel = document.createElement('label');
    boxLabel.htmlFor = box.id;
    boxLabel.textContent = 'Private';
    choice.append(box, boxLabel);
    form.append(choice);
  }

  const buttons = document.createElement('div');
  buttons.className = 'actions';
  const save = document.createElement('button');
  save.type = 'submit';
  save.className = 'save-edit';
  save.textContent = edit.saving ? 'Saving…' : 'Save';
  if (edit.saving) save.setAttribute('aria-disabled', 'true');
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.className = 'cancel-edit';
  cancel.textContent = edit.gone ? 'Close' : 'Cancel';
  // Nothing to save to once the entry is gone.
  if (edit.gone) buttons.append(cancel);
  else buttons.append(cancel, save);
  form.append(error, buttons);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    actions.save();
  });
  cancel.addEventListener('click', () => actions.cancel());
  return form;
}

/** Why the save was refused (the entry changed elsewhere), and the entry as it is now, above the text typed. */
function conflictNote(edit: Edit, fieldId: string): HTMLElement {
  const note = document.createElement('div');
  note.className = 'conflict';
  note.tabIndex = -1;
  note.setAttribute('role', 'group');
  note.setAttribute('aria-labelledby', `${fieldId}-conflict`);
  const explanation = document.createElement('p');
  explanation.id = `${fieldId}-conflict`;
  const what = document.createElement('strong');
  what.textContent = 'Not saved: this entry was changed somewhere else (in another tab, or by someone else) after you started editing it.';
  explanation.append(
    what,
    ' Its current version is shown below. Your text is still in the box: Save replaces the current version with it, Cancel keeps the current version.',
  );
  const caption = document.createElement('p');
  caption.className = 'caption';
  caption.append('Current version');
  if (edit.base.updatedAt !== undefined) caption.append(', edited ', timeOf(edit.base.updatedAt));
  if (edit.base.private === true) caption.append(' ', privateMark());
  const version = document.createElement('div');
  version.className = 'current-version';
  version.innerHTML = renderMarkdown(edit.base.text);
  note.append(explanation, caption, version);
  return note;
}
