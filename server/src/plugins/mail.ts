import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { createMailer, type Mailer } from '../modules/mail/mailer.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Outgoing e-mail (SMTP_URL, or .eml files under DATA_DIR/mail). */
    mailer: Mailer;
  }
}

export const mailPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const mailer = createMailer({
      smtpUrl: config.mail.smtpUrl,
      from: config.mail.from,
      dir: join(config.dataDir, 'mail'),
    });
    app.decorate('mailer', mailer);
    app.addHook('onClose', async () => mailer.close());
  },
  { name: 'stoa-mail' },
);
