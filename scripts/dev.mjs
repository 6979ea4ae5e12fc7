// `npm run dev`: chain compiled in watch mode, the server restarted on change (tsx watch), and
// the portal on Vite's dev server with hot reload, proxying API calls to the server.
import { spawn } from 'node:child_process';

const procs = [
  ['chain', 'npx', ['tsc', '-b', 'chain', '--watch', '--preserveWatchOutput']],
  ['server', 'npx', ['tsx', 'watch', '--clear-screen=false', 'server/src/main.ts']],
  ['web', 'npm', ['run', 'dev', '-w', 'web']],
];

const children = procs.map(([name, cmd, args]) => {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  const prefix = `[${name}] `;
  const pipe = (stream, out) =>
    stream.on('data', (buf) => {
      for (const line of buf.toString().split('\n')) if (line.trim()) out.write(prefix + line + '\n');
    });
  pipe(child.stdout, process.stdout);
  pipe(child.stderr, process.stderr);
  child.on('exit', (code) => {
    console.log(`${prefix}exited with ${code}`);
    shutdown(code ?? 1);
  });
  return child;
});

let stopping = false;
function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500);
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));
