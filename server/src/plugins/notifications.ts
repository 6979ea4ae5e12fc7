import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { NotificationMailer } from '../modules/notifications/delivery.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** E-mail copies of notifications (the notification rows are its outbox). */
    notificationMail: NotificationMailer;
  }
}

/** Sends each notification by e-mail once: at start, then every NOTIFICATION_MAIL_INTERVAL_MS. */
export const notificationsPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const delivery = new NotificationMailer(app.infra.db.orm, app.mailer, app.log, {
      publicUrl: config.publicUrl,
    });
    app.decorate('notificationMail', delivery);
    const every = config.notificationMailIntervalMs;
    let timer: NodeJS.Timeout | undefined;
    let closing = false;
    const run = () => {
      if (closing) return;
      delivery
        .deliverPending()
        .catch((err: unknown) => app.log.warn({ err }, 'notification mail run failed'));
    };
    if (every > 0) {
      app.addHook('onReady', async () => {
        // What was waiting when the server stopped goes out first.
        run();
        timer = setInterval(run, every);
        timer.unref();
      });
    }
    // Before the database closes: let a run in progress record what it sent.
    app.addHook('onClose', async () => {
      closing = true;
      clearInterval(timer);
      await delivery.idle();
    });
  },
  { name: 'stoa-notifications', dependencies: ['stoa-infrastructure', 'stoa-mail'] },
);
