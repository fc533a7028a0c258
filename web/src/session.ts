// The signed-in writer's token: in sessionStorage (this tab only, gone when it closes), sent only
// as the Authorization header. A link can carry one in its fragment (#token=...), which browsers
// never send to a server; it is removed from the address bar at once, and becomes the tab's session
// only at once if the tab has none (app.ts asks before replacing one).
import { TOKEN_FRAGMENT, TOKEN_STORAGE_KEY } from '../../src/auth/auth-status.contract.js';

export function storedToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_STORAGE_KEY) ?? undefined;
}

export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_STORAGE_KEY);
}

/** Takes a token from the address bar's fragment, if there is one, removing it from the address bar and history. */
export function takeTokenFromFragment(): string | undefined {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get(TOKEN_FRAGMENT);
  if (token === null) return undefined;
  fragment.delete(TOKEN_FRAGMENT);
  const rest = fragment.toString();
  history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  return token.trim() === '' ? undefined : token.trim();
}
