import http from 'node:http';
import { sleep } from './processes';

/**
 * Requests of the cluster test: over plain HTTP to a port on loopback (HAProxy's, or a node's
 * straight), with the Host header of the blog or the platform (Node's fetch cannot set Host).
 * Every request is bounded in time; a connection error or a timeout is an answer too (status 0).
 */
export const ROOT_DOMAIN = 'quire.test';
const PLATFORM_ORIGIN = `http://${ROOT_DOMAIN}`;
const NODE_HEADER = 'x-quire-node';

const REQUEST_TIMEOUT_MS = 15_000;

export type Answer = {
  /** 0: no answer (connection refused or reset, timed out). */
  status: number;
  /** The node that answered (x-quire-node), if any. */
  node: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
  error?: string;
};

export const blogHost = (slug: string) => `${slug}.${ROOT_DOMAIN}`;

export function send(
  port: number,
  host: string,
  urlPath: string,
  options: { method?: string; headers?: Record<string, string>; json?: unknown } = {},
): Promise<Answer> {
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method: options.method ?? 'GET',
        agent: false,
        timeout: REQUEST_TIMEOUT_MS,
        headers: {
          host,
          ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            node: res.headers[NODE_HEADER] as string | undefined,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', (error) => resolve({ status: 0, node: undefined, headers: {}, body: '', error: error.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (error) => resolve({ status: 0, node: undefined, headers: {}, body: '', error: error.message }));
    req.end(body);
  });
}

export const isSuccess = (answer: Answer) => answer.status >= 200 && answer.status < 400;

/** A signed-in person on the platform's host (quire.test), through `port`: the session cookie kept. */
export class Session {
  private cookie = '';

  constructor(private readonly port: number) {}

  /** A JSON call to the platform's API; writes carry our Origin (the API refuses others: CSRF). */
  async call(method: string, urlPath: string, json?: unknown, port = this.port): Promise<Answer> {
    const answer = await send(port, ROOT_DOMAIN, urlPath, {
      method,
      json,
      headers: { ...(method === 'GET' ? {} : { origin: PLATFORM_ORIGIN }), ...(this.cookie ? { cookie: this.cookie } : {}) },
    });
    const setCookie = answer.headers['set-cookie']?.[0];
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    return answer;
  }

  get signedIn(): boolean {
    return this.cookie !== '';
  }
}

/** One request of a load loop: when it was sent and answered, and what came back. */
export type Timed = { sentAt: number; answeredAt: number; answer: Answer };

/**
 * Sends `next()`'s request every `1000 / perSecond` ms (each in flight on its own, so that a
 * slow answer does not slow the rate down) until `stop()` is called; resolves every result.
 */
export function steadyLoad(perSecond: number, next: (i: number) => Promise<Answer>): { stop: () => Promise<Timed[]> } {
  const results: Promise<Timed>[] = [];
  let stopped = false;
  const loop = (async () => {
    const started = Date.now();
    for (let i = 0; !stopped; i++) {
      const sentAt = Date.now();
      results.push(next(i).then((answer) => ({ sentAt, answeredAt: Date.now(), answer })));
      // Paced against the start, not the last request: the rate holds whatever the timer's drift.
      await sleep(Math.max(0, started + ((i + 1) * 1000) / perSecond - Date.now()));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return Promise.all(results);
    },
  };
}

/** Runs `tasks` with at most `limit` at once; their results in order. */
export async function inParallel<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
