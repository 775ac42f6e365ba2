import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The production Caddyfile, run as it is: only its settings (environment variables) change. */
const CADDYFILE = path.join(ROOT, 'deploy', 'Caddyfile');

export type RunningCaddy = {
  /** The PEM root of Caddy's local CA, which signs every certificate it issues here. */
  rootCertificate: string;
  output: () => string;
  stop: () => Promise<void>;
};

/**
 * Starts Debian's `caddy` (or CADDY_PATH) on deploy/Caddyfile with loopback ports, its local CA
 * (`tls internal`), no admin endpoint, and its certificates and settings in a temporary
 * directory, removed by `stop`. Resolves once Caddy serves.
 */
export async function startCaddy(options: { upstream: string; httpsPort: number; httpPort: number }): Promise<RunningCaddy> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-caddy-'));
  const dataHome = path.join(home, 'data');
  const child = spawn(process.env.CADDY_PATH ?? 'caddy', ['run', '--config', CADDYFILE, '--adapter', 'caddyfile'], {
    cwd: home,
    env: {
      ...process.env,
      HOME: home,
      XDG_DATA_HOME: dataHome,
      XDG_CONFIG_HOME: path.join(home, 'config'),
      QUIRE_UPSTREAM: options.upstream,
      QUIRE_CADDY_HTTPS_PORT: String(options.httpsPort),
      QUIRE_CADDY_HTTP_PORT: String(options.httpPort),
      QUIRE_CADDY_TLS: 'internal',
      QUIRE_CADDY_ADMIN: 'off',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  // Whatever ends this process, Caddy ends with it (an `afterAll` that never ran included).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('close', () => process.removeListener('exit', killOnExit));

  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(force);
    }
    fs.rmSync(home, { recursive: true, force: true });
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`caddy did not start:\n${output}`)), 30_000);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`could not run caddy (apt-get install caddy; npm test installs it): ${error.message}`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`caddy exited with ${code}:\n${output}`));
      });
      child.stderr!.on('data', () => {
        if (output.includes('serving initial configuration')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }

  const rootCertificate = fs.readFileSync(path.join(dataHome, 'caddy', 'pki', 'authorities', 'local', 'root.crt'), 'utf8');
  return { rootCertificate, output: () => output, stop };
}
