/** Parameter names that carry credentials: RFC 6750's access_token and the usual others. */
const CREDENTIAL_NAMES = 'access_token|token|id_token|refresh_token|api_key|apikey|password';
/**
 * A credential parameter in a decoded URL: its name after `?`, `&` or `;` (a matrix or old-style
 * query parameter), in any case, with any `[...]` suffixes (`access_token[]`), then `=`.
 */
const CREDENTIAL_PARAMETER = new RegExp(`[?&;]\\s*(?:${CREDENTIAL_NAMES})\\s*(?:\\[[^\\]]*\\])*\\s*=`, 'i');

/**
 * The URL with every percent-escape decoded, again and again (a double-encoded `%255F` too), and
 * `+` read as the space it is in a query. Escapes of bytes that are not valid UTF-8 on their own are
 * decoded byte by byte: names are ASCII, and nothing may hide behind an escape that fails to decode.
 */
function decoded(url: string): string {
  let text = url.replaceAll('+', ' ');
  for (let round = 0; round < 5 && text.includes('%'); round++) {
    const next = text.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (next === text) break;
    text = next;
  }
  return text;
}

/** Whether the URL carries a credential parameter, however it is spelt or encoded. */
export function credentialsInUrl(url: string): boolean {
  return CREDENTIAL_PARAMETER.test(decoded(url));
}

/**
 * The URL as it may be logged. One with a credential parameter (which the API refuses) keeps only
 * its path, and not even that if the path itself holds one; other URLs come back as they are.
 */
export function redactCredentials(url: string): string {
  if (!credentialsInUrl(url)) return url;
  const end = url.search(/[?;]/);
  const path = end === -1 ? url : url.slice(0, end);
  return end === -1 || credentialsInUrl(path) ? '[redacted]' : `${path}?[redacted]`;
}
