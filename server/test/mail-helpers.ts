import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';

export interface ReadMail {
  to: string;
  subject: string;
  text: string;
}

/** Undoes the quoted-printable encoding nodemailer uses for long lines. */
function decodeQuotedPrintable(body: string): string {
  const bytes = body
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

function parse(eml: string): ReadMail {
  const [head = '', ...rest] = eml.split(/\r?\n\r?\n/);
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(head)?.[1]?.trim() ?? '';
  const body = rest.join('\n\n');
  const text = /quoted-printable/i.test(head) ? decodeQuotedPrintable(body) : body;
  return { to: header('To'), subject: header('Subject'), text };
}

/** Every message the app wrote to its mail folder (files mode), oldest first. */
export async function mailbox(app: FastifyInstance): Promise<ReadMail[]> {
  await app.accountLinks.settled();
  const dir = app.mailer.dir;
  if (!dir) throw new Error('the mailer sends over SMTP; there is no mail folder to read');
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.eml')).sort();
  return Promise.all(names.map(async (n) => parse(await readFile(join(dir, n), 'utf8'))));
}

/** The messages to one address, oldest first. */
export async function mailTo(app: FastifyInstance, to: string): Promise<ReadMail[]> {
  return (await mailbox(app)).filter((m) => m.to.toLowerCase() === to.toLowerCase());
}

/** The token of the last link to `path` (e.g. `/reset-password`) mailed to `to`. */
export async function mailedToken(app: FastifyInstance, to: string, path: string): Promise<string> {
  const mails = await mailTo(app, to);
  for (const m of mails.reverse()) {
    const match = new RegExp(`${path}#token=([A-Za-z0-9_-]+)`).exec(m.text);
    if (match) return match[1]!;
  }
  throw new Error(`no mail to ${to} holds a ${path} link`);
}

/** Signs up and confirms the address with the mailed link: the confirmation's answer (a session). */
export async function signUp(
  app: FastifyInstance,
  input: { email: string; password: string; displayName: string },
) {
  const res = await app.inject({ method: 'POST', url: '/auth/register', payload: input });
  if (res.statusCode !== 202) throw new Error(`register failed: ${res.body}`);
  const token = await mailedToken(app, input.email, '/verify-email');
  return app.inject({ method: 'POST', url: '/auth/verify-email', payload: { token } });
}
