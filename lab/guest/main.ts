// `npm run lab`'s program inside the lab: the lab's checks and demo
// (checks.ts); exits 0 only if every check passed.
import { envFromArgs, progress } from './env.js';
import { runLabChecks } from './checks.js';

async function main(): Promise<number> {
  const env = envFromArgs();
  const ok = await runLabChecks(env);
  progress(env, `logs of every agent and daemon: ${env.logDir}`);
  return ok ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`lab checks: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 70;
});
