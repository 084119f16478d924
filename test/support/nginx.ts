import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, OwnedProcess, waitUntilReady } from './owned-process';

/** Debian's nginx (`apt-get install nginx`; .ci/run installs it). */
export const NGINX = '/usr/sbin/nginx';

/** A running copy of deploy/nginx.conf in front of local upstreams. */
export interface Balancer {
  readonly port: number;
  readonly process: OwnedProcess;
  /** Its access log so far. */
  accessLog(): string;
  stop(): Promise<void>;
}

/**
 * Runs deploy/nginx.conf as written, but listening on a free 127.0.0.1
 * port, with `herald-N:3000` pointing at `upstreams[N-1]` and its pid,
 * logs and temporary files in `folder`. Throws when the config no longer
 * names the replicas, the port or the access log as this expects.
 */
export async function startBalancer(configFile: string, upstreams: readonly number[], folder: string): Promise<Balancer> {
  let config = readFileSync(configFile, 'utf8');
  upstreams.forEach((upstreamPort, i) => {
    const server = new RegExp(`server herald-${i + 1}:3000\\b`);
    if (!server.test(config)) throw new Error(`${configFile} has no "server herald-${i + 1}:3000"`);
    config = config.replace(server, `server 127.0.0.1:${upstreamPort}`);
  });
  const port = await freePort();
  if (!/^\s*listen 80;$/m.test(config)) throw new Error(`${configFile} does not "listen 80;"`);
  config = config.replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${port};`);
  // nginx's workers drop root's privileges: they must reach their temporary files.
  chmodSync(folder, 0o755);
  const accessLog = join(folder, 'access.log');
  if (!config.includes('access_log /var/log/nginx/access.log ')) throw new Error(`${configFile} does not write access_log /var/log/nginx/access.log`);
  config = config.replace('access_log /var/log/nginx/access.log ', `access_log ${accessLog} `);
  for (const temp of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(folder, temp), { recursive: true, mode: 0o777 });
  config = config.replace(
    /^http \{$/m,
    `http {\n${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((temp) => `  ${temp}_temp_path ${join(folder, temp)};`).join('\n')}`,
  );
  const file = join(folder, 'nginx.conf');
  writeFileSync(file, config);
  const child = OwnedProcess.spawn('nginx', NGINX, [
    '-p',
    folder,
    '-c',
    file,
    '-e',
    join(folder, 'error.log'),
    '-g',
    `daemon off; pid ${join(folder, 'nginx.pid')};`,
  ]);
  await waitUntilReady(`nginx on ${port}`, child, async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, { timeoutMs: 15_000 });
  return {
    port,
    process: child,
    accessLog: () => (existsSync(accessLog) ? readFileSync(accessLog, 'utf8') : ''),
    stop: async () => {
      await child.stop(5_000);
    },
  };
}

/** Whether nginx is installed here. */
export function nginxInstalled(): boolean {
  return existsSync(NGINX);
}
