/**
 * `npm start` runs this before the build, so a bad environment fails in a second with the
 * server's own message instead of after a long build.
 */
import { ConfigError, loadConfig } from '../server/src/config.js';

try {
  loadConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(2);
}
