import { headers } from 'next/headers';
import { CLIENT_IP_HEADER } from './headers';

/** The client address as the front saw it (it overwrites any such header from outside). */
export async function clientIp(): Promise<string> {
  return (await headers()).get(CLIENT_IP_HEADER) ?? 'unknown';
}
