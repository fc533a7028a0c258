// The journal page: plain DOM, entries always set as text (textContent), never as HTML.
import { api, ApiError, type AuthStatus, type Entry, type EntryPage } from './api.js';
import { counter, excerpt, formatDate, pageCount, pageFromQuery, pageSummary, textProblem } from './format.js';
import { forgetToken, storedToken, storeToken, takeTokenFromFragment } from './session.js';

// First, before anything can read or log the address: a sign-in link's token leaves the address bar.
takeTokenFromFragment();

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
const writingAs = byId('writing-as');
const signInButton = byId<HTMLButtonElement>('sign-in');
const signOutButton = byId<HTMLButtonElement>('sign-out');
const signInDialog = byId<HTMLDialogElement>('sign-in-dialog');
const signInForm = byId<HTMLFormElement>('sign-in-form');
const signInReason = byId('sign-in-reason');
const tokenInput = byId<HTMLInputElement>('token-input');
const signInError = byId('sign-in-error');
const SIGN_IN_REASON = signInReason.textContent;

let current: EntryPage = { entries: [], page: pageFromQuery(location.search), pageSize: 10, total: 0 };
let inFlight: AbortController | undefined;
let saving = false;
/** Until the API says otherwise, nothing is writable (no editor flashes up for a visitor). */
let auth: AuthStatus = { mode: 'token' };

// ---- who is writing --------------------------------------------------------------------------

const signedIn = (): boolean => auth.mode === 'token' && auth.name !== undefined;
const canWrite = (): boolean => auth.mode === 'off' || signedIn();
/** The API decides too (403); this only spares buttons that would fail. */
const canDelete = (entry: Entry): boolean =>
  auth.mode === 'off' || (auth.mode === 'token' && (auth.admin === true || (auth.name !== undefined && entry.author === auth.name)));

function renderAccount(): void {
  const name = auth.mode === 'token' ? auth.name : undefined;
  writingAs.textContent = name === undefined ? '' : `Writing as ${name}`;
  writingAs.hidden = signOutButton.hidden = name === undefined;
  signInButton.hidden = auth.mode !== 'token' || name !== undefined;
  readOnly.hidden = canWrite();
  newSection.hidden = !canWrite();
  render(current);
}

/** Asks the API who the stored token belongs to; a token it no longer accepts is forgotten. */
async function refreshAuth(): Promise<void> {
  try {
    auth = await api.me(storedToken());
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) return; // the list shows what is wrong with the API
    signOut();
    askForToken('Your access token is no longer accepted (revoked or replaced). Enter a valid one to write.');
    return;
  }
  renderAccount();
}

function signOut(): void {
  forgetToken();
  auth = { mode: 'token' };
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
signOutButton.addEventListener('click', () => {
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
});

/** A write the API refused for want of a valid token: sign in again. True if that was the reason. */
function signInAgainIf(error: unknown): boolean {
  if (!(error instanceof ApiError && error.status === 401)) return false;
  signOut();
  askForToken('Your access token is no longer accepted (revoked or replaced). Enter a valid one to write.');
  return true;
}

// ---- the list -------------------------------------------------------------------------------

function entryItem(entry: Entry): HTMLLIElement {
  const item = document.createElement('li');
  const article = document.createElement('article');
  const time = document.createElement('time');
  time.dateTime = entry.createdAt;
  time.textContent = formatDate(entry.createdAt);
  const meta = document.createElement('div');
  meta.append(time);
  if (entry.author !== undefined) {
    const author = document.createElement('span');
    author.className = 'author';
    author.textContent = ` · ${entry.author}`;
    meta.append(author);
  }
  const text = document.createElement('p');
  text.className = 'text';
  text.textContent = entry.text;
  article.append(meta, text);
  item.append(article);
  if (!canDelete(entry)) return item;
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.className = 'delete';
  remove.textContent = 'Delete';
  // Each button names its entry for screen readers, which list buttons out of context.
  remove.setAttribute('aria-label', `Delete entry from ${time.textContent}`);
  remove.addEventListener('click', () => confirmDelete(entry));
  article.append(remove);
  return item;
}

function render(result: EntryPage): void {
  current = result;
  list.replaceChildren(...result.entries.map(entryItem));
  empty.hidden = result.total > 0;
  const pages = pageCount(result.total, result.pageSize);
  pager.hidden = pages <= 1;
  pageInfo.textContent = pageSummary(result.page, result.pageSize, result.total);
  newer.disabled = result.page <= 1;
  older.disabled = result.page >= pages;
}

function showListError(message: string): void {
  list.replaceChildren();
  empty.hidden = true;
  pager.hidden = true;
  listErrorText.textContent = message;
  listError.hidden = false;
}

/** Loads a page; `announce` is said (aria-live) once it is shown. Older responses are dropped. */
async function load(page: number, announce = ''): Promise<boolean> {
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  list.setAttribute('aria-busy', 'true');
  // Only a slow answer shows "Loading…", so fast ones do not flicker.
  const showLoading = setTimeout(() => (loading.hidden = false), 200);
  try {
    let result = await api.list(page, controller.signal);
    // The page emptied (deletes elsewhere): show the last page that has entries.
    const last = pageCount(result.total, result.pageSize);
    if (result.entries.length === 0 && page > last) result = await api.list(last, controller.signal);
    listError.hidden = true;
    render(result);
    if (result.page !== pageFromQuery(location.search)) {
      history.replaceState(null, '', result.page === 1 ? location.pathname : `?page=${result.page}`);
    }
    status.textContent = announce;
    return true;
  } catch (error) {
    if (controller.signal.aborted) return false;
    status.textContent = '';
    showListError(error instanceof ApiError ? error.message : String(error));
    return false;
  } finally {
    clearTimeout(showLoading);
    if (inFlight === controller) {
      loading.hidden = true;
      list.removeAttribute('aria-busy');
    }
  }
}

async function goTo(page: number, from: HTMLButtonElement): Promise<void> {
  history.pushState(null, '', page === 1 ? location.pathname : `?page=${page}`);
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
window.addEventListener('popstate', () => void load(pageFromQuery(location.search)));

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

/** The save that failed last: saving the same text again retries it, with its Idempotency-Key. */
let failedSave: { text: string; key: string } | undefined;

/** 128 random bits as hex (getRandomValues, unlike randomUUID, works on plain-HTTP origins too). */
const newIdempotencyKey = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (saving) return;
  const text = textarea.value;
  const problem = textProblem(text);
  if (problem) return showFormError(problem);
  saving = true;
  saveButton.setAttribute('aria-disabled', 'true');
  saveButton.textContent = 'Saving…';
  const key = failedSave?.text === text ? failedSave.key : newIdempotencyKey();
  try {
    await api.create(text, key, storedToken());
    failedSave = undefined;
    textarea.value = '';
    formError.textContent = '';
    updateCounter();
    // The new entry is the newest: show page 1, where it is on top.
    if (current.page !== 1) history.pushState(null, '', location.pathname);
    await load(1, 'Entry saved.');
  } catch (error) {
    // Maybe stored after all (a 503 or a lost answer): the retry's key makes the API answer with that entry.
    failedSave = { text, key };
    if (!signInAgainIf(error)) showFormError(error instanceof ApiError ? error.message : String(error));
  } finally {
    saving = false;
    saveButton.removeAttribute('aria-disabled');
    saveButton.textContent = 'Save entry';
  }
});

textarea.addEventListener('input', () => {
  formError.textContent = '';
  updateCounter();
});
textarea.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    form.requestSubmit();
  }
});
if (/Mac|iPhone|iPad/.test(navigator.userAgent)) byId('entry-help').textContent = '⌘+Enter saves';

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
      showListError(error instanceof ApiError ? error.message : String(error));
      heading.focus();
      return;
    }
  }
  await load(current.page, 'Entry deleted.');
  // The pressed button is gone with its entry: continue from the list's heading.
  heading.focus();
}

updateCounter();
void refreshAuth();
void load(current.page);
