import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';

export interface Mail {
  to: string;
  subject: string;
  /** Plain text: every mail has it, so it reads in any client. */
  text: string;
  html?: string;
  /**
   * A stable name of this message (letters, digits, dashes). Sending it again is the same
   * message: the same Message-ID over SMTP (clients show one), the same file, written once.
   */
  id?: string;
}

export interface Mailer {
  /** `smtp` when a server is configured, `files` when mail is written under the data folder. */
  readonly mode: 'smtp' | 'files';
  /** Where `.eml` files are written (files mode). */
  readonly dir?: string;
  send(mail: Mail): Promise<void>;
  close(): Promise<void>;
}

export interface MailConfig {
  /** smtp:// or smtps:// URL of the mail server; unset: `.eml` files under `dir`. */
  smtpUrl?: string;
  from: string;
  /** Where mail goes without an SMTP server (DATA_DIR/mail). */
  dir: string;
}

/**
 * E-mail through nodemailer: SMTP when `SMTP_URL` is set; otherwise every message is written as
 * an `.eml` file under the data folder (open it with any mail client), so development sees
 * exactly what would have been sent.
 */
export function createMailer(config: MailConfig): Mailer {
  // The sender's domain, not this host's: every instance names one message the same.
  const domain = /@([^>\s]+)/.exec(config.from)?.[1] ?? 'stoa.localhost';
  const headers = ({ id, ...mail }: Mail) => ({
    from: config.from,
    ...mail,
    ...(id ? { messageId: `<${id}@${domain}>` } : {}),
  });
  if (config.smtpUrl) {
    // Bounded well inside the notification sender's lease, so a hung server is a failed try.
    const transport: Transporter = nodemailer.createTransport({
      url: config.smtpUrl,
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 60_000,
    });
    return {
      mode: 'smtp',
      async send(mail) {
        await transport.sendMail(headers(mail));
      },
      async close() {
        transport.close();
      },
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    mode: 'files',
    dir: config.dir,
    async send(mail) {
      const info = await transport.sendMail(headers(mail));
      await mkdir(config.dir, { recursive: true, mode: 0o700 });
      if (mail.id && !/^[A-Za-z0-9-]{1,100}$/.test(mail.id))
        throw new Error('mail id: letters, digits, dashes');
      const name = mail.id
        ? `${mail.id}.eml`
        : `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}.eml`;
      try {
        await writeFile(join(config.dir, name), info.message as Buffer, { mode: 0o600, flag: 'wx' });
      } catch (err) {
        // Written already by an earlier attempt that did not get to record it: the same message.
        if (!(mail.id && (err as NodeJS.ErrnoException).code === 'EEXIST')) throw err;
      }
    },
    async close() {
      transport.close();
    },
  };
}
