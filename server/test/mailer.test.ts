import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer } from '../src/modules/mail/mailer.js';

describe('mailer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stoa-mail-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes each message as an .eml file under the data folder when no SMTP server is set', async () => {
    const mailer = createMailer({ from: 'Stoa <no-reply@stoa.test>', dir: join(dir, 'mail') });
    expect(mailer.mode).toBe('files');
    await mailer.send({ to: 'ada@example.com', subject: 'Your application', text: 'It was approved.' });
    const [file, ...more] = await readdir(join(dir, 'mail'));
    expect(more).toEqual([]);
    expect(file).toMatch(/\.eml$/);
    const eml = await readFile(join(dir, 'mail', file!), 'utf8');
    expect(eml).toMatch(/^From: Stoa <no-reply@stoa\.test>$/m);
    expect(eml).toMatch(/^To: ada@example\.com$/m);
    expect(eml).toMatch(/^Subject: Your application$/m);
    expect(eml).toContain('It was approved.');
    // Mail can carry personal data: only the server's user reads it.
    expect((await stat(join(dir, 'mail', file!))).mode & 0o077).toBe(0);
    await mailer.close();
  });

  it('writes a message with a stable id once, as the same file, with a Message-ID from the sender’s domain', async () => {
    const mailer = createMailer({ from: 'Stoa <no-reply@stoa.test>', dir: join(dir, 'stable') });
    const mail = { id: 'notification-42', to: 'ada@example.com', subject: 'Settled', text: 'First' };
    await mailer.send(mail);
    // A second send of the same message (a sender that died before recording it) changes nothing.
    await mailer.send({ ...mail, text: 'Second' });
    expect(await readdir(join(dir, 'stable'))).toEqual(['notification-42.eml']);
    const eml = await readFile(join(dir, 'stable', 'notification-42.eml'), 'utf8');
    expect(eml).toMatch(/^Message-ID:\s+<notification-42@stoa\.test>$/m);
    expect(eml).toContain('First');
    await expect(mailer.send({ ...mail, id: '../escape' })).rejects.toThrow(/mail id/);
    await mailer.close();
  });

  it('sends through the SMTP server in SMTP_URL', async () => {
    const received: { from: string; to: string[]; data: string }[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, done) {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString()));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            data,
          });
          done();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.server.address() as { port: number };
    const mailer = createMailer({
      smtpUrl: `smtp://127.0.0.1:${port}`,
      from: 'Stoa <no-reply@stoa.test>',
      dir: join(dir, 'unused'),
    });
    expect(mailer.mode).toBe('smtp');
    await mailer.send({ to: 'bob@example.com', subject: 'Reset your password', text: 'Use this link.' });
    await mailer.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ from: 'no-reply@stoa.test', to: ['bob@example.com'] });
    expect(received[0]!.data).toMatch(/^Subject: Reset your password\r?$/m);
    await expect(readdir(join(dir, 'unused'))).rejects.toThrow();
  });
});
