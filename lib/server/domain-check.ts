import type { IncomingMessage, ServerResponse } from 'node:http';
import type { QuireConfig } from '@/lib/config';
import { isServedHost } from '@/lib/domains/domains';
import { parseHost } from '@/lib/tenancy/host';
import { sendStatus, sendText } from './respond';

/** Where a TLS proxy asks whether to get a certificate for a host (README, "Custom domains"). */
export const DOMAIN_CHECK_PATH = '/api/domain-check';

/** 200 for a host this server serves (the root, live blogs' subdomains, verified custom domains), else 404. */
export function answerDomainCheck(req: IncomingMessage, res: ServerResponse, search: string, config: QuireConfig): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendStatus(res, 405);
  const name = new URLSearchParams(search).get('domain') ?? '';
  const target = parseHost(name, config.rootHostname);
  const served = target.kind === 'root' || (target.kind !== 'invalid' && isServedHost(target));
  sendText(res, served ? 200 : 404, served ? 'ok' : 'not served here');
}
