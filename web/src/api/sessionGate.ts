/**
 * Signing out without stray 401s. Pollers and event streams keep asking the server while a
 * page is open; a request that reaches the server just after the session ended is answered 401,
 * which the browser reports as an error and the page may show as "Your session has ended".
 * So sign-out first closes the gate: new requests wait (the page is about to be replaced),
 * event streams close, and the requests already sent are allowed to finish before the session
 * is ended on the server.
 */
export type Fetch = (input: Request) => Promise<Response>;

export class SessionGate {
  private closing = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly streams = new Set<{ close(): void }>();

  /** Whether sign-out has begun. */
  get isClosing(): boolean {
    return this.closing;
  }

  /** Wraps a fetch: tracks what is in flight, and holds new requests once the gate closes. */
  wrap(inner: Fetch, passes: (request: Request) => boolean = () => false): Fetch {
    return (input) => {
      if (this.closing && !passes(input)) return new Promise<Response>(() => {});
      const call = inner(input);
      this.inFlight.add(call);
      const settle = (): void => void this.inFlight.delete(call);
      call.then(settle, settle);
      return call;
    };
  }

  /** An event stream to close at sign-out; returns a function that forgets it. */
  track<T extends { close(): void }>(stream: T): T {
    if (this.closing) stream.close();
    else this.streams.add(stream);
    return stream;
  }

  forget(stream: { close(): void }): void {
    this.streams.delete(stream);
  }

  /** Closes the gate; resolves when what was in flight has settled, or after `timeoutMs`. */
  async close(timeoutMs = 3_000): Promise<void> {
    this.closing = true;
    for (const stream of this.streams) stream.close();
    this.streams.clear();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  /** After a new sign-in without a page load. */
  open(): void {
    this.closing = false;
  }
}

/** The page's one gate: the API client and the event streams of operations go through it. */
export const sessionGate = new SessionGate();

/** Requests that must pass a closing gate: ending the session itself. */
export function isSignOut(request: Request): boolean {
  return new URL(request.url, 'http://x').pathname === '/auth/logout';
}
