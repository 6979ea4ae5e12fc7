import { describe, expect, it } from 'vitest';
import { SessionGate, isSignOut } from '../../src/api/sessionGate';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const req = (path: string) => new Request(`http://portal.example${path}`);

describe('SessionGate', () => {
  it('waits for requests already sent, then holds new ones while signing out', async () => {
    const gate = new SessionGate();
    const answer = deferred<Response>();
    const sent: string[] = [];
    const fetch = gate.wrap((r) => {
      sent.push(new URL(r.url).pathname);
      return r.url.endsWith('/slow') ? answer.promise : Promise.resolve(new Response('{}'));
    }, isSignOut);

    const slow = fetch(req('/slow'));
    let closed = false;
    const closing = gate.close(5_000).then(() => (closed = true));
    await Promise.resolve();
    expect(closed).toBe(false);

    // A poller firing now never reaches the server; ending the session does.
    let held = false;
    void fetch(req('/operations/1')).then(() => (held = true));
    await fetch(req('/auth/logout'));
    expect(sent).toEqual(['/slow', '/auth/logout']);

    answer.resolve(new Response('{}'));
    await slow;
    await closing;
    expect(closed).toBe(true);
    expect(held).toBe(false);
    expect(gate.isClosing).toBe(true);
  });

  it('does not wait for ever on a request that never answers', async () => {
    const gate = new SessionGate();
    const fetch = gate.wrap(() => new Promise<Response>(() => {}));
    void fetch(req('/hangs'));
    await expect(gate.close(20)).resolves.toBeUndefined();
  });

  it('closes event streams at sign-out, and closes at once a stream opened after it', async () => {
    const gate = new SessionGate();
    const closedStreams: string[] = [];
    const stream = (name: string) => ({ close: () => closedStreams.push(name) });
    gate.track(stream('a'));
    const b = gate.track(stream('b'));
    gate.forget(b);
    await gate.close(10);
    expect(closedStreams).toEqual(['a']);
    gate.track(stream('late'));
    expect(closedStreams).toEqual(['a', 'late']);
  });

  it('opens again after a new sign-in', async () => {
    const gate = new SessionGate();
    await gate.close(10);
    gate.open();
    const fetch = gate.wrap(() => Promise.resolve(new Response('ok')));
    await expect(fetch(req('/auth/me')).then((r) => r.text())).resolves.toBe('ok');
  });
});
