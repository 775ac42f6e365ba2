import { headers } from 'next/headers';

/** The client address as the front saw it (it overwrites any such header from outside). */
export async function clientIp(): Promise<string> {
  return (await headers()).get('x-quire-client-ip') ?? 'unknown';
}
