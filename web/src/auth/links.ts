/**
 * The token of a mailed link (`/reset-password#token=…`). It travels in the fragment, which the
 * browser never sends to the server, so it stays out of access logs and Referer headers.
 */
export function tokenFromHash(hash: string): string | null {
  const value = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return value && /^[A-Za-z0-9_-]{20,200}$/.test(value) ? value : null;
}

/** A code as people type it: spaces (and the dash of recovery codes) are allowed. */
export function codeProblem(code: string): string | undefined {
  const compact = code.replace(/[\s-]/g, '');
  if (compact.length === 0) return 'Enter the 6-digit code from your authenticator app.';
  if (/^[0-9]+$/.test(compact) && compact.length !== 6)
    return `The code from your app has 6 digits (${compact.length} so far).`;
  if (!/^[0-9]+$/.test(compact) && compact.length !== 10)
    return 'A recovery code has 10 letters and digits, like ABCDE-23456.';
  return undefined;
}
