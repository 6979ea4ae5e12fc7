/** The server's password rule (RegisterBody), checked as the user types. */
export const MIN_PASSWORD_LENGTH = 12;

export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `Use at least ${MIN_PASSWORD_LENGTH} characters (${password.length} so far).`;
  return undefined;
}
