import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { KeyRing } from '../modules/keys/keyring.js';
import { loadMasterKeys } from '../modules/keys/master.js';

declare module 'fastify' {
  interface FastifyInstance {
    keys: KeyRing;
  }
}

/** The key ring (master key from the environment or the data folder, data keys from the database). */
export const keysPlugin = fp(
  async (app: FastifyInstance, opts: { config: Config }) => {
    const masters = await loadMasterKeys(opts.config.encryption, opts.config.env);
    app.decorate('keys', await KeyRing.open(app.infra.db.orm, masters, app.services.audit));
  },
  { name: 'stoa-keys', dependencies: ['stoa-services'] },
);
