// The journal page: plain DOM. Entries are shown as Markdown rendered with raw HTML off
// (markdown.ts); everything else is set as text (textContent), never as HTML.
import { api, ApiError, type AuthStatus, type Entry, type EntryPage, type EntryPatch, type TaggedEntry } from './api.js';
import { keepDraft, keepEdit, loadDraft, loadEdits } from './draft.js';
import {
  counter,
  entryNames,
  excerpt,
  importSummaryText,
  listQuery,
  matchSummary,
  NETWORK_ERROR,
  pageCount,
  pageFromQuery,
  pageSummary,
  searchFromQuery,
  textProblem,
} from './format.js';
import { editorOf, entryMeta, entryText, saveOnCtrlEnter, SAVE_KEYS_HINT, type Edit } from './entry-view.js';
import { searchTerms } from './highlight.js';
import { forgetToken, storedToken, storeToken, takeTokenFromFragment } from './session.js';

// First, before anything can read or log the address: a sign-in link's token leaves the address bar.
const linkToken = takeTokenFromFragment();

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from index.html`);
  return element as T;
}

const form = byId<HTMLFormElement>('new-entry');
const textarea = byId<HTMLTextAreaElement>('entry-text');
const counterText = byId('entry-counter');
const formError = byId('form-error');
const saveButton = byId<HTMLButtonElement>('save');
const heading = byId('entries-heading');
const status = byId('status');
const listError = byId('list-error');
const listErrorText = byId('list-error-text');
const loading = byId('loading');
const empty = byId('empty');
const list = byId<HTMLOListElement>('entries');
const pager = byId('pager');
const pageInfo = byId('page-info');
const newer = byId<HTMLButtonElement>('newer');
const older = byId<HTMLButtonElement>('older');
const dialog = byId<HTMLDialogElement>('confirm-delete');
const dialogText = byId('confirm-text');
const newSection = byId('new-section');
const readOnly = byId('read-only');
const privateJournal = byId('private-journal');
const entriesSection = byId('entries-section');
const writingAs = byId('writing-as');
const signInButton = byId<HTMLButtonElement>('sign-in');
const signOutButton = byId<HTMLButtonElement>('sign-out');
const signInDialog = byId<HTMLDialogElement>('sign-in-dialog');
const signInForm = byId<HTMLFormElement>('sign-in-form');
const signInReason = byId('sign-in-reason');
const tokenInput = byId<HTMLInputElement>('token-input');
const signInError = byId('sign-in-error');
const SIGN_IN_REASON = signInReason.textContent;
const switchDialog = byId<HTMLDialogElement>('switch-dialog');
const switchText = byId('switch-text');
const switchKeep = byId<HTMLButtonElement>('switch-keep');
const switchOk = byId<HTMLButtonElement>('switch-ok');
const privateChoice = byId('private-choice');
const privateBox = byId<HTMLInputElement>('entry-private');
const searchForm = byId<HTMLFormElement>('search-form');
const searchInput = byId<HTMLInputElement>('search');
const exportButton = byId<HTMLButtonElement>('export');
const importButton = byId<HTMLButtonElement>('import');
const importFile = byId<HTMLInputElement>('import-file');
const importReport = byId('import-report');
const importSummary = byId('import-summary');
const importFailures = byId('import-failures');
const exportError = byId('export-error');
const EMPTY_TEXT = empty.textContent;

let current: EntryPage = { entries: [], page: pageFromQuery(location.search), pageSize: 10, total: 0 };
/** The search the list is loaded for ('' for the plain list)... */
let query = searchFromQuery(location.search);
/** ...and the one `current` was found with: its words are marked. */
let shownQuery = '';

/** The edits in progress, by entry id (entry-view.ts), each opened FRESH: no conflict, no error, not saving. */
const editing = new Map<string, Edit>();
const FRESH = { conflict: false, gone: false, error: '', saving: false } as const;
let inFlight: AbortController | undefined;
let saving = false;
/** Until the API says otherwise, nothing is writable (no editor flashes up for a visitor). */
let auth: AuthStatus = { mode: 'token', read: 'public' };

const TOKEN_REFUSED = 'Your access token is no longer accepted (revoked or replaced). Enter a valid one.';
const WRITE_TOKEN_REFUSED = 'Your access token is no longer accepted (revoked or replaced). Enter a valid one to write.';

// ---- who is writing --------------------------------------------------------------------------

const signedIn = (): boolean => auth.mode === 'token' && auth.name !== undefined;
const canWrite = (): boolean => auth.mode === 'off' || signedIn();
/** READ_ACCESS=signed-in and nobody signed in: the entries stay hidden until someone does. */
const mustSignInToRead = (): boolean => auth.mode === 'token' && auth.read === 'signed-in' && !signedIn();
/** Whose draft the text box holds (undefined when writes need no token). */
const authorName = (): string | undefined => (auth.mode === 'token' ? auth.name : undefined);
/** Who may edit and delete an entry: its author or an admin. The API decides too (403); this only spares buttons that would fail. */
const canChange = (entry: Entry): boolean =>
  auth.mode === 'off' || (auth.mode === 'token' && (auth.admin === true || (auth.name !== undefined && entry.author === auth.name)));

function renderAccount(): void {
  const name = auth.mode === 'token' ? auth.name : undefined;
  writingAs.textContent = name === undefined ? '' : `Writing as ${name}`;
  writingAs.hidden = signOutButton.hidden = name === undefined;
  signInButton.hidden = auth.mode !== 'token' || name !== undefined;
  readOnly.hidden = canWrite() || mustSignInToRead();
  privateJournal.hidden = !mustSignInToRead();
  entriesSection.hidden = mustSignInToRead();
  newSection.hidden = !canWrite();
  // Private entries need an author's name (AUTH_MODE=token).
  privateChoice.hidden = !signedIn();
  // The API lets admins import (anyone when writes need no token): a file carries authors and private entries.
  importButton.hidden = !(auth.mode === 'off' || (auth.mode === 'token' && auth.admin === true));
  if (!signedIn()) privateBox.checked = false;
  // Someone else signed in: the edits left open by the one before are not theirs to see.
  for (const [id, edit] of editing) if (name !== undefined && edit.author !== name) editing.delete(id);
  // The edits this author left open before a reload (or a sign-out) come back.
  if (canWrite()) {
    for (const [id, kept] of Object.entries(loadEdits(authorName())))
      if (!editing.has(id)) editing.set(id, { ...kept, author: authorName(), error: '', saving: false });
  }
  if (canWrite() && textarea.value === '') {
    textarea.value = loadDraft(authorName());
    updateCounter();
  }
  // A private journal's entries leave the page with the token that could read them.
  if (mustSignInToRead()) list.replaceChildren();
  else render(current);
}

/** Asks the API who the stored token belongs to; a token it no longer accepts is forgotten. */
async function refreshAuth(): Promise<void> {
  try {
    auth = await api.me(storedToken());
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) return; // the list shows what is wrong with the API
    signOut();
    askForToken(WRITE_TOKEN_REFUSED);
    return;
  }
  renderAccount();
}

/** Forgets the token; in a private journal (READ_ACCESS=signed-in) the entries shown go with it. */
function signOut(): void {
  forgetToken();
  auth = { mode: 'token', read: auth.mode === 'token' ? auth.read : 'public' };
  renderAccount();
}

function askForToken(reason = SIGN_IN_REASON): void {
  signInReason.textContent = reason;
  signInError.textContent = '';
  tokenInput.value = '';
  if (!signInDialog.open) signInDialog.showModal();
  tokenInput.focus();
}

signInButton.addEventListener('click', () => askForToken());
byId('sign-in-to-read').addEventListener('click', () => askForToken());
signOutButton.addEventListener('click', () => {
  // The draft and the open edits stay stored for their writer (draft.ts), off the page for the next one.
  textarea.value = '';
  editing.clear();
  updateCounter();
  signOut();
  signInButton.focus();
});
byId('sign-in-cancel').addEventListener('click', () => signInDialog.close());
signInForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = tokenInput.value.trim();
  if (token === '') return void (signInError.textContent = 'Enter your access token.');
  try {
    const status = await api.me(token);
    if (status.mode === 'token' && status.name === undefined) throw new ApiError('That is not an access token.', 400);
    storeToken(token);
    auth = status;
  } catch (error) {
    signInError.textContent =
      error instanceof ApiError && error.status === 401
        ? 'This token is not valid. Check it and try again.'
        : error instanceof ApiError
          ? error.message
          : String(error);
    tokenInput.focus();
    return;
  }
  signInDialog.close();
  renderAccount();
  heading.focus();
  // The entries this token may read (all of them in a private journal, which showed none before).
  void load(current.page);
});

/**
 * A sign-in link's token. A tab without a session signs in with it; a tab signed in with another
 * token asks first, Keep being the default: a link someone else made must not silently make this
 * tab write under their name.
 */
async function signInFromLink(token: string): Promise<void> {
  const current = storedToken();
  if (current === undefined || current === token) {
    storeToken(token);
    return refreshAuth();
  }
  await refreshAuth();
  let linked: AuthStatus;
  try {
    linked = await api.me(token);
  } catch {
    return; // a token the API refuses replaces nothing
  }
  if (linked.mode !== 'token' || linked.name === undefined || auth.mode !== 'token' || auth.name === undefined) return;
  switchText.textContent = `This tab writes as ${auth.name}. The link you opened would sign it in as ${linked.name} instead.`;
  switchKeep.textContent = `Keep writing as ${auth.name}`;
  switchOk.textContent = `Write as ${linked.name}`;
  switchDialog.returnValue = '';
  switchDialog.addEventListener(
    'close',
    () => {
      if (switchDialog.returnValue !== 'switch') return;
      storeToken(token);
      void refreshAuth();
    },
    { once: true },
  );
  switchDialog.showModal();
}

switchKeep.addEventListener('click', () => switchDialog.close('keep'));
switchOk.addEventListener('click', () => switchDialog.close('switch'));
// A link to this page followed from this page changes only the fragment: no new page load.
window.addEventListener('hashchange', () => {
  const token = takeTokenFromFragment();
  if (token !== undefined) void signInFromLink(token);
});

/** A call the API refused for want of a valid token: sign in again. True if that was the reason. */
function signInAgainIf(error: unknown, reason = WRITE_TOKEN_REFUSED): boolean {
  if (!(error instanceof ApiError && error.status === 401)) return false;
  signOut();
  askForToken(reason);
  return true;
}

const messageOf = (error: unknown): string => (error instanceof ApiError ? error.message : String(error));

// ---- the list -------------------------------------------------------------------------------

/**
 * One entry, or its editor while it is being edited. `name` ("entry from <time>: “<first words>”",
 * unique on the page) is how its buttons name it for screen readers, which list buttons out of context.
 */
function entryItem(entry: Entry, name: string, index: number): HTMLLIElement {
  const item = document.createElement('li');
  item.dataset.id = entry.id;
  item.dataset.name = name;
  item.dataset.index = String(index);
  const article = document.createElement('article');
  item.append(article);
  const edit = canChange(entry) ? editing.get(entry.id) : undefined;
  const shown = edit
    ? editorOf(edit, index, {
        canBePrivate: signedIn(),
        changed: () => keepOpenEdit(entry.id),
        save: () => void saveEdit(entry.id),
        cancel: () => void cancelEdit(entry.id),
      })
    : entryText(entry, index, searchTerms(shownQuery));
  article.append(entryMeta(entry), shown);
  if (!canChange(entry)) return item;
  const actions = document.createElement('div');
  actions.className = 'entry-actions';
  if (!edit) {
    const start = document.createElement('button');
    start.type = 'button';
    start.className = 'edit';
    start.textContent = 'Edit';
    start.setAttribute('aria-label', `Edit ${name}`);
    start.addEventListener('click', () => void startEdit(entry.id, start));
    actions.append(start);
  }
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.className = 'delete';
  remove.textContent = 'Delete';
  remove.setAttribute('aria-label', `Delete ${name}`);
  remove.addEventListener('click', () => confirmDelete(entry));
  actions.append(remove);
  article.append(actions);
  return item;
}

/** Cuts an entry taller than `.text.collapsed` allows (styles.css: about ten lines), with a button that shows it all (and cuts it again). */
function collapseIfLong(item: HTMLLIElement): void {
  const text = item.querySelector<HTMLElement>(':scope > article > .text');
  if (!text) return; // being edited
  text.classList.add('collapsed');
  if (text.scrollHeight <= text.clientHeight + 1) {
    text.classList.remove('collapsed');
    return;
  }
  const toggle = document.createElement('button');
  toggle.type = 'button';
  toggle.className = 'show-more';
  toggle.setAttribute('aria-controls', text.id);
  const show = (expanded: boolean) => {
    text.classList.toggle('collapsed', !expanded);
    toggle.setAttribute('aria-expanded', String(expanded));
    toggle.textContent = expanded ? 'Show less' : 'Show more';
    toggle.setAttribute('aria-label', `${toggle.textContent} of the ${item.dataset.name}`);
  };
  show(false);
  toggle.addEventListener('click', () => show(toggle.getAttribute('aria-expanded') !== 'true'));
  text.after(toggle);
}

/** Shows a page of the list, or of the results of the search `q` (its words marked). */
function render(result: EntryPage, q = shownQuery): void {
  current = result;
  shownQuery = q;
  const searching = searchTerms(q) !== undefined;
  const names = entryNames(result.entries);
  list.replaceChildren(...result.entries.map((entry, i) => entryItem(entry, names[i]!, i)));
  for (const item of list.querySelectorAll<HTMLLIElement>(':scope > li')) collapseIfLong(item);
  empty.hidden = result.total > 0;
  empty.textContent = searching ? `No entries match “${q.trim()}”.` : EMPTY_TEXT;
  const pages = pageCount(result.total, result.pageSize);
  pager.hidden = pages <= 1;
  pageInfo.textContent = pageSummary(result.page, result.pageSize, result.total, undefined, searching);
  newer.disabled = result.page <= 1;
  older.disabled = result.page >= pages;
}

/** Builds one entry's item again (an edit opened, saved or closed), in its place; the list stays as it is. */
function redraw(id: string): HTMLLIElement | undefined {
  const index = current.entries.findIndex((entry) => entry.id === id);
  const old = list.querySelector<HTMLLIElement>(`:scope > li[data-id="${CSS.escape(id)}"]`);
  if (index < 0 || !old) return undefined;
  const item = entryItem(current.entries[index]!, entryNames(current.entries)[index]!, index);
  old.replaceWith(item);
  collapseIfLong(item);
  return item;
}

/** Puts a newer version of an entry (read or written for an edit) in the list shown. */
function replaceEntry(entry: Entry): void {
  const index = current.entries.findIndex((shown) => shown.id === entry.id);
  if (index >= 0) current.entries[index] = entry;
}

function showListError(message: string): void {
  list.replaceChildren();
  empty.hidden = true;
  pager.hidden = true;
  listErrorText.textContent = message;
  listError.hidden = false;
}

/**
 * Loads a page of the list, or of the search in the box; `announce` is said (aria-live) once it
 * is shown. A newer load aborts this one, so an older answer never replaces a newer one.
 */
async function load(page: number, announce: string | ((result: EntryPage) => string) = ''): Promise<boolean> {
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  const q = query;
  const words = searchTerms(q) === undefined ? '' : q;
  list.setAttribute('aria-busy', 'true');
  // Only a slow answer shows "Loading…", so fast ones do not flicker.
  const showLoading = setTimeout(() => (loading.hidden = false), 200);
  const token = storedToken();
  try {
    let result = await api.list(page, controller.signal, token, words);
    // The page emptied (deletes elsewhere): show the last page that has entries.
    const last = pageCount(result.total, result.pageSize);
    if (result.entries.length === 0 && page > last) result = await api.list(last, controller.signal, token, words);
    if (controller.signal.aborted) return false;
    listError.hidden = true;
    render(result, q);
    if (result.page !== pageFromQuery(location.search) || q !== searchFromQuery(location.search)) {
      history.replaceState(null, '', `${location.pathname}${listQuery(result.page, q)}`);
    }
    status.textContent = typeof announce === 'string' ? announce : announce(result);
    return true;
  } catch (error) {
    if (controller.signal.aborted) return false;
    status.textContent = '';
    if (error instanceof ApiError && error.status === 401) return readingRefused(token, page);
    showListError(messageOf(error));
    return false;
  } finally {
    clearTimeout(showLoading);
    if (inFlight === controller) {
      loading.hidden = true;
      list.removeAttribute('aria-busy');
    }
  }
}

/**
 * The API refused to show the entries: the token it was sent is no longer accepted (then sign in
 * again, and a public journal is shown without it meanwhile), or there was none and the journal
 * is private (READ_ACCESS=signed-in).
 */
function readingRefused(token: string | undefined, page: number): false {
  listError.hidden = true;
  if (token !== undefined) {
    signOut();
    askForToken(TOKEN_REFUSED);
    if (!mustSignInToRead()) void load(page);
    return false;
  }
  if (auth.mode === 'token') auth = { ...auth, read: 'signed-in' };
  renderAccount();
  return false;
}

async function goTo(page: number, from: HTMLButtonElement): Promise<void> {
  history.pushState(null, '', `${location.pathname}${listQuery(page, query)}`);
  if (!(await load(page))) return;
  status.textContent = pageInfo.textContent;
  // Keep focus on the pressed button; at the first or last page it is disabled, so use the other one.
  if (from.disabled) (from === older ? newer : older).focus();
}

newer.addEventListener('click', () => void goTo(current.page - 1, newer));
older.addEventListener('click', () => void goTo(current.page + 1, older));
byId('retry').addEventListener('click', async () => {
  // The API may have been unreachable at start too: ask again who may write.
  void refreshAuth();
  if (await load(current.page)) heading.focus();
});
window.addEventListener('popstate', () => {
  clearTimeout(searchTimer);
  query = searchInput.value = searchFromQuery(location.search);
  void load(pageFromQuery(location.search));
});

// ---- searching ------------------------------------------------------------------------------

/** Typing pauses this long before the search is sent: one request per pause, not per key. */
const SEARCH_DELAY_MS = 250;
let searchTimer: ReturnType<typeof setTimeout> | undefined;

/** Shows what `q` finds from its first page (the plain list when it has no words), with the count said aloud. */
function search(q: string): void {
  clearTimeout(searchTimer);
  query = q;
  // The address follows the box (a reload keeps the search), without a history entry per key.
  history.replaceState(null, '', `${location.pathname}${listQuery(1, q)}`);
  void load(1, (result) => {
    if (searchTerms(q) !== undefined) return `${matchSummary(result.total)}.`;
    // Only signs, no letters or digits: the API answers the whole list, and there is nothing to say.
    return q.trim() === '' ? 'Search cleared.' : '';
  });
}

searchInput.value = query;
searchInput.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => search(searchInput.value), SEARCH_DELAY_MS);
});
// Enter searches at once.
searchForm.addEventListener('submit', (event) => {
  event.preventDefault();
  search(searchInput.value);
});

// ---- editing in place -------------------------------------------------------------------------

/** Opens the editor on the entry as it is now, with the ETag of that version (a list's entries carry none). */
async function startEdit(id: string, button: HTMLButtonElement): Promise<void> {
  if (button.getAttribute('aria-disabled') === 'true') return;
  button.setAttribute('aria-disabled', 'true');
  let latest: TaggedEntry;
  try {
    latest = await api.get(id, storedToken());
  } catch (error) {
    button.removeAttribute('aria-disabled');
    if (signInAgainIf(error)) return;
    if (error instanceof ApiError && error.status === 404) {
      await load(current.page, 'This entry was deleted somewhere else.');
      heading.focus();
      return;
    }
    const note = document.createElement('p');
    note.className = 'error entry-error';
    note.setAttribute('role', 'alert');
    note.textContent = `Could not open the entry for editing: ${messageOf(error)}`;
    button.closest('article')?.querySelector('.entry-error')?.remove();
    button.closest('article')?.append(note);
    return;
  }
  const { entry, etag } = latest;
  editing.set(id, { author: authorName(), base: entry, etag, text: entry.text, private: entry.private === true, ...FRESH });
  keepOpenEdit(id);
  replaceEntry(entry);
  const field = redraw(id)?.querySelector('textarea');
  field?.focus();
  field?.setSelectionRange(field.value.length, field.value.length);
}

/** Keeps the open edit of entry `id` across reloads (draft.ts): what it was made on and what was typed; forgets it once closed. */
function keepOpenEdit(id: string): void {
  const edit = editing.get(id);
  keepEdit(
    authorName(),
    id,
    edit && { base: edit.base, etag: edit.etag, text: edit.text, private: edit.private, conflict: edit.conflict, gone: edit.gone },
  );
}

/** Sends the changed fields with the If-Match of the version the edit was made on. */
async function saveEdit(id: string): Promise<void> {
  const edit = editing.get(id);
  if (!edit || edit.saving || edit.gone) return;
  const problem = textProblem(edit.text);
  if (problem) return showEditError(id, edit, problem);
  const patch: EntryPatch = {};
  if (edit.text !== edit.base.text) patch.text = edit.text;
  if (edit.private !== (edit.base.private === true)) patch.private = edit.private;
  if (patch.text === undefined && patch.private === undefined) return closeEdit(id, 'Nothing changed.');
  edit.saving = true;
  const save = list.querySelector(`li[data-id="${CSS.escape(id)}"] .save-edit`);
  save?.setAttribute('aria-disabled', 'true');
  if (save) save.textContent = 'Saving…';
  try {
    const saved = await api.edit(id, patch, edit.etag, storedToken());
    closeEdit(id, 'Entry saved.', saved.entry);
  } catch (error) {
    edit.saving = false;
    // Signed out: the edit waits, and comes back when its writer signs in again.
    if (signInAgainIf(error)) return;
    if (error instanceof ApiError && error.status === 412) return changedMeanwhile(id, edit);
    if (error instanceof ApiError && error.status === 404) return deletedMeanwhile(id, edit);
    showEditError(id, edit, messageOf(error));
  }
}

/** A 412: someone changed the entry since the edit began. Shows them the version they would replace. */
async function changedMeanwhile(id: string, edit: Edit): Promise<void> {
  let latest: TaggedEntry;
  try {
    latest = await api.get(id, storedToken());
  } catch (error) {
    if (signInAgainIf(error)) return;
    if (error instanceof ApiError && error.status === 404) return deletedMeanwhile(id, edit);
    return showEditError(
      id,
      edit,
      `Not saved: this entry was changed somewhere else since you opened it, and its current version could not be loaded (${messageOf(error)}). Your text is kept: try again.`,
    );
  }
  const { entry, etag } = latest;
  // The change was this very edit: stored though its answer was lost (a 503, a dropped connection).
  if (entry.text === edit.text && (entry.private === true) === edit.private) return closeEdit(id, 'Entry saved.', entry);
  Object.assign(edit, { base: entry, etag, conflict: true, error: '' });
  keepOpenEdit(id);
  replaceEntry(entry);
  redraw(id)?.querySelector<HTMLElement>('.conflict')?.focus();
}

function deletedMeanwhile(id: string, edit: Edit): void {
  edit.gone = true;
  keepOpenEdit(id);
  showEditError(
    id,
    edit,
    'This entry was deleted somewhere else while you were editing it, so there is nothing to save your text to. It is still in the box: copy it if you want to keep it.',
  );
}

/** Shows why the edit was not saved, keeping the text, and puts the cursor back in it. */
function showEditError(id: string, edit: Edit, message: string): void {
  edit.error = message;
  redraw(id)?.querySelector('textarea')?.focus();
}

/** Ends an edit (saved, or nothing to save), showing `entry` when given, with focus back on its Edit button. */
function closeEdit(id: string, announce: string, entry?: Entry): void {
  editing.delete(id);
  keepOpenEdit(id);
  if (entry) replaceEntry(entry);
  redraw(id)?.querySelector<HTMLButtonElement>('button.edit')?.focus();
  status.textContent = announce;
}

async function cancelEdit(id: string): Promise<void> {
  const gone = editing.get(id)?.gone === true;
  if (!gone) return closeEdit(id, '');
  editing.delete(id);
  keepOpenEdit(id);
  await load(current.page, 'Entry deleted elsewhere.');
  heading.focus();
}

// ---- exporting ------------------------------------------------------------------------------

/** Saves `file` as `name`, as a link with `download` would: a plain link cannot send the token, so the file is fetched first. */
function saveFile(file: Blob, name: string): void {
  const url = URL.createObjectURL(file);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Later, not at once: the browser may still be reading it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

let exporting = false;
exportButton.addEventListener('click', async () => {
  if (exporting) return;
  exporting = true;
  exportButton.setAttribute('aria-disabled', 'true');
  exportButton.textContent = 'Exporting…';
  exportError.textContent = '';
  try {
    const { file, name } = await api.export(storedToken());
    saveFile(file, name);
    status.textContent = `Exported to ${name}.`;
  } catch (error) {
    if (!signInAgainIf(error, TOKEN_REFUSED)) exportError.textContent = error instanceof ApiError ? error.message : NETWORK_ERROR;
  } finally {
    exporting = false;
    exportButton.removeAttribute('aria-disabled');
    exportButton.textContent = 'Export entries';
  }
});

// ---- importing ------------------------------------------------------------------------------

// The file chooser behind a button: a file input's own look cannot be styled like the others.
importButton.addEventListener('click', () => {
  if (importButton.getAttribute('aria-disabled') !== 'true') importFile.click();
});

importFile.addEventListener('change', async () => {
  const file = importFile.files?.[0];
  if (!file) return;
  importButton.setAttribute('aria-disabled', 'true');
  importButton.textContent = 'Importing…';
  importReport.hidden = false;
  importFailures.replaceChildren();
  importSummary.textContent = `Importing ${file.name}…`;
  try {
    const result = await api.import(file, storedToken());
    importSummary.textContent = importSummaryText(file.name, result);
    importFailures.replaceChildren(
      ...result.failed.map(({ line, reason }) => Object.assign(document.createElement('li'), { textContent: `Line ${line}: ${reason}` })),
    );
    await load(1);
  } catch (error) {
    if (signInAgainIf(error, TOKEN_REFUSED)) importReport.hidden = true;
    else
      importSummary.textContent = `${file.name} was not imported completely: ${error instanceof ApiError ? error.message : NETWORK_ERROR}`;
  } finally {
    importButton.removeAttribute('aria-disabled');
    importButton.textContent = 'Import entries';
    // The same file can be chosen again (a retry adds only what is missing).
    importFile.value = '';
  }
});

// ---- adding ---------------------------------------------------------------------------------

function updateCounter(): void {
  const { label, over } = counter(textarea.value);
  counterText.textContent = label;
  counterText.classList.toggle('over', over);
  textarea.setAttribute('aria-invalid', String(over));
}

function showFormError(message: string): void {
  formError.textContent = message;
  textarea.setAttribute('aria-invalid', 'true');
  textarea.focus();
}

/** The save that failed last: saving the same entry again retries it, with its Idempotency-Key. */
let failedSave: { text: string; isPrivate: boolean; key: string } | undefined;

/** 128 random bits as hex (getRandomValues, unlike randomUUID, works on plain-HTTP origins too). */
const newIdempotencyKey = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (saving) return;
  const text = textarea.value;
  const isPrivate = privateBox.checked && signedIn();
  const problem = textProblem(text);
  if (problem) return showFormError(problem);
  saving = true;
  saveButton.setAttribute('aria-disabled', 'true');
  saveButton.textContent = 'Saving…';
  // Another body under the same key would be refused (422): a changed Private box makes a new save.
  const key = failedSave?.text === text && failedSave.isPrivate === isPrivate ? failedSave.key : newIdempotencyKey();
  try {
    await api.create(text, key, storedToken(), isPrivate);
    failedSave = undefined;
    keepDraft(authorName(), '');
    textarea.value = '';
    privateBox.checked = false;
    formError.textContent = '';
    updateCounter();
    // The new entry is the newest: show page 1 of the whole list, where it is on top.
    if (current.page !== 1 || query !== '') history.pushState(null, '', location.pathname);
    clearTimeout(searchTimer);
    query = searchInput.value = '';
    await load(1, 'Entry saved.');
  } catch (error) {
    // Maybe stored after all (a 503 or a lost answer): the retry's key makes the API answer with that entry.
    failedSave = { text, isPrivate, key };
    if (!signInAgainIf(error)) showFormError(messageOf(error));
  } finally {
    saving = false;
    saveButton.removeAttribute('aria-disabled');
    saveButton.textContent = 'Save entry';
  }
});

textarea.addEventListener('input', () => {
  formError.textContent = '';
  updateCounter();
  keepDraft(authorName(), textarea.value);
});
saveOnCtrlEnter(textarea, form);
byId('entry-help').textContent = SAVE_KEYS_HINT;

// ---- deleting (after a confirmation) --------------------------------------------------------

function confirmDelete(entry: Entry): void {
  dialogText.textContent = excerpt(entry.text, 120);
  dialog.returnValue = '';
  dialog.addEventListener(
    'close',
    () => {
      if (dialog.returnValue === 'delete') void remove(entry);
    },
    { once: true },
  );
  // Modal: focus moves to Cancel (autofocus), Escape cancels, focus returns to the button on close.
  dialog.showModal();
}

byId('confirm-cancel').addEventListener('click', () => dialog.close('cancel'));
byId('confirm-ok').addEventListener('click', () => dialog.close('delete'));

async function remove(entry: Entry): Promise<void> {
  try {
    await api.remove(entry.id, storedToken());
  } catch (error) {
    if (signInAgainIf(error)) return;
    // Already gone (deleted elsewhere): the reader's wish is fulfilled. A 403 shows the API's reason.
    if (!(error instanceof ApiError && error.status === 404)) {
      showListError(messageOf(error));
      heading.focus();
      return;
    }
  }
  // Deleted while being edited: the edit goes with it.
  editing.delete(entry.id);
  await load(current.page, 'Entry deleted.');
  // The pressed button is gone with its entry: continue from the list's heading.
  heading.focus();
}

updateCounter();
void (linkToken === undefined ? refreshAuth() : signInFromLink(linkToken));
void load(current.page);
