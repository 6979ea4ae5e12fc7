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
  if (config.smtpUrl) {
    const transport: Transporter = nodemailer.createTransport(config.smtpUrl);
    return {
      mode: 'smtp',
      async send(mail) {
        await transport.sendMail({ from: config.from, ...mail });
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
      const info = await transport.sendMail({ from: config.from, ...mail });
      await mkdir(config.dir, { recursive: true, mode: 0o700 });
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}.eml`;
      await writeFile(join(config.dir, name), info.message as Buffer, { mode: 0o600 });
    },
    async close() {
      transport.close();
    },
  };
}
