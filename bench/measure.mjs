// Runs one command as a child process and measures it from the outside: wall time around the
// spawn, the child's CPU time (user + system; steadier than wall time on a busy machine), and
// the child's own peak RSS. Peak RSS comes from GNU time (`%M`, the kernel's
// ru_maxrss of the waited-for child), so it is the importing process's own figure and not the
// bench's; without /usr/bin/time the bench polls /proc/<pid>/status VmHWM instead.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const GNU_TIME = '/usr/bin/time';
const HAS_GNU_TIME = existsSync(GNU_TIME);

/**
 * @param {string} command
 * @param {string[]} args
 * @param {{ input?: string, env?: NodeJS.ProcessEnv, cwd?: string }} [options]
 * @returns {Promise<{ code: number | null, wallMs: number, peakRssKb: number | null, cpuMs: number | null, stdout: string, stderr: string }>}
 */
export async function measure(command, args, options = {}) {
  const rssFile = join(
    tmpdir(),
    `bench-rss-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  );
  const [cmd, argv] = HAS_GNU_TIME
    ? [GNU_TIME, ['-f', '%M %U %S', '-o', rssFile, command, ...args]]
    : [command, args];
  const started = process.hrtime.bigint();
  const child = spawn(cmd, argv, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let polledKb = null;
  const poll = HAS_GNU_TIME
    ? null
    : setInterval(() => {
        try {
          const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
          const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
          if (Number.isFinite(kb)) {
            polledKb = Math.max(polledKb ?? 0, kb);
          }
        } catch {
          // The process is gone; the last sample stands.
        }
      }, 25);
  const out = [];
  const err = [];
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => err.push(d));
  child.stdin.end(options.input ?? '');
  const code = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (poll) {
    clearInterval(poll);
  }
  let peakRssKb = polledKb;
  let cpuMs = null;
  if (HAS_GNU_TIME) {
    try {
      // GNU time writes "Command exited with non-zero status N" before the figures on failure.
      const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
      const [rss, user, system] = (lines[lines.length - 1] ?? '')
        .split(' ')
        .map(Number);
      peakRssKb = rss ?? null;
      cpuMs = Math.round(((user ?? 0) + (system ?? 0)) * 1000);
    } catch {
      peakRssKb = null;
    }
    rmSync(rssFile, { force: true });
  }
  return {
    code,
    wallMs,
    peakRssKb,
    cpuMs,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
}

export const rssSource = HAS_GNU_TIME
  ? 'GNU time %M (ru_maxrss of the child)'
  : '/proc/<pid>/status VmHWM, polled every 25 ms';
