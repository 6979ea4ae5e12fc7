/**
 * The embedded database (PGlite) as an operator relies on it: only this server reaches it, and
 * a second server on the same DATA_DIR refuses to start instead of opening it too.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreInUseError } from '@stoa/chain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/orm.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const mode = (path: string) => statSync(path).mode & 0o777;

/** The server's own entry point in a child process (sources through tsx, as `npm run dev`). */
function startServer(env: Record<string, string>, onOutput?: (text: string) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      TSX_TSCONFIG_PATH: 'tsconfig.tests.json',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      NODE_ENV: 'test',
      ...env,
    },
  });
  let output = '';
  const collect = (b: Buffer) => {
    output += b.toString();
    onOutput?.(output);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, output })),
  );
  return { child, exited };
}

async function selectOne(db: Database): Promise<unknown> {
  const rows = await db.orm.em.getConnection().execute<{ one: number }[]>('select 1 as one');
  return rows[0]?.one;
}

describe('the embedded database', () => {
  let dataDir: string;
  let db: Database;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'stoa-embedded-'));
    // Readable by all, like a checkout in a home folder: only the server's own folders protect it.
    chmodSync(dataDir, 0o755);
    db = await openDatabase({ dataDir });
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is served on a Unix socket in a private folder', async () => {
    const socket = join(dataDir, 'run', '.s.PGSQL.5432');
    expect(statSync(socket).isSocket()).toBe(true);
    expect(mode(socket)).toBe(0o600);
    expect(mode(join(dataDir, 'run'))).toBe(0o700);
    expect(mode(join(dataDir, 'pglite'))).toBe(0o700);
    expect(db.orm.config.get('host')).toBe(join(dataDir, 'run'));
    expect(await selectOne(db)).toBe(1);
  });

  it.runIf(process.getuid?.() === 0)('another local user can neither connect nor read its files', () => {
    const socket = join(dataDir, 'run', '.s.PGSQL.5432');
    const probe = () =>
      spawnSync(
        process.execPath,
        [
          '-e',
          `const out = [];
             try { require('fs').readdirSync(process.argv[2]); out.push('read'); } catch (e) { out.push(e.code); }
             require('net').connect(process.argv[1])
               .on('connect', () => { console.log(out.concat('connected').join(' ')); process.exit(0); })
               .on('error', (e) => { console.log(out.concat(e.code).join(' ')); process.exit(0); });`,
          socket,
          join(dataDir, 'pglite'),
        ],
        { uid: 65534, gid: 65534, encoding: 'utf8' },
      ).stdout.trim();
    expect(probe()).toBe('EACCES EACCES');
    // The same probe gets in once the folder is opened up: the modes are what keeps it out.
    chmodSync(join(dataDir, 'run'), 0o755);
    chmodSync(socket, 0o666);
    try {
      expect(probe()).toBe('EACCES connected');
    } finally {
      chmodSync(join(dataDir, 'run'), 0o700);
      chmodSync(socket, 0o600);
    }
  });

  it('a second server on the same DATA_DIR refuses to start, and the first keeps working', async () => {
    await expect(openDatabase({ dataDir })).rejects.toThrow(StoreInUseError);
    const { exited } = startServer({ DATA_DIR: dataDir });
    const { code, output } = await exited;
    expect(code).toBe(1);
    expect(output).toMatch(
      new RegExp(
        `Stoa cannot start: The embedded database in ${dataDir}/pglite is in use by another process \\(pid ${process.pid}, since [^)]+\\)\\. Stop that server, or give this one its own DATA_DIR`,
      ),
    );
    expect(await selectOne(db)).toBe(1);
  });
});

describe('after a server was killed', () => {
  it('the next start takes over its lock and socket, with the data intact', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stoa-embedded-'));
    try {
      const first = await openDatabase({ dataDir });
      const conn = first.orm.em.getConnection();
      await conn.execute('create table kept (v text)');
      await conn.execute('insert into kept values (?)', ['before the crash']);
      await first.close();

      const { child, exited } = startServer({ DATA_DIR: dataDir }, (out) => {
        if (out.includes('Stoa is running')) child.kill('SIGKILL');
      });
      const { code, output } = await exited;
      expect(output).toContain('Stoa is running');
      expect(code).toBeNull(); // killed, with no chance to clean up
      expect(statSync(join(dataDir, 'run', 'pglite.lock')).isFile()).toBe(true);

      const next = await openDatabase({ dataDir });
      const rows = await next.orm.em.getConnection().execute<{ v: string }[]>('select v from kept');
      expect(rows).toEqual([{ v: 'before the crash' }]);
      await next.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('a cold start', () => {
  it('that outlasts STARTUP_TIMEOUT_MS stops with a message naming it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stoa-embedded-'));
    try {
      // Creating the database takes seconds; one second is too short on any machine.
      const { code, output } = await startServer({ DATA_DIR: dataDir, STARTUP_TIMEOUT_MS: '1000' }).exited;
      expect(code).toBe(1);
      expect(output).toContain('creating the embedded database (first start)…');
      expect(output).toMatch(
        /Stoa cannot start: a start-up step took longer than STARTUP_TIMEOUT_MS allows \(.*'stoa-infrastructure'.*\); .*raise STARTUP_TIMEOUT_MS/,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
