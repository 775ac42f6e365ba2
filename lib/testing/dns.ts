import type { AddressInfo } from 'node:net';
import dns2 from 'dns2';

const { Packet } = dns2;
const NXDOMAIN = 3;

export type TestDnsServer = {
  /** The UDP port on 127.0.0.1, for `QUIRE_DNS_SERVERS=127.0.0.1:<port>`. */
  port: number;
  /** TXT records by name (lower case): each record is one string, or its chunks. Change freely. */
  txt: Map<string, Array<string | string[]>>;
  /** A records by name (lower case). */
  a: Map<string, string[]>;
  /** Every question asked so far, as `TYPE name`. */
  questions: string[];
  stop: () => Promise<void>;
};

const TYPE_NAMES = new Map<number, string>(Object.entries(Packet.TYPE).map(([name, code]) => [code, name]));

/**
 * A real DNS server on loopback (UDP, a free port) answering from two tables the test fills in:
 * names that are in neither get NXDOMAIN, as from a real zone.
 */
export async function startDnsServer(): Promise<TestDnsServer> {
  const txt = new Map<string, Array<string | string[]>>();
  const a = new Map<string, string[]>();
  const questions: string[] = [];
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      response.header.aa = 1;
      let known = false;
      for (const question of request.questions) {
        const name = question.name.toLowerCase();
        questions.push(`${TYPE_NAMES.get(question.type) ?? question.type} ${name}`);
        known ||= txt.has(name) || a.has(name);
        if (question.type === Packet.TYPE.TXT) {
          for (const data of txt.get(name) ?? []) {
            response.answers.push({
              name: question.name,
              type: Packet.TYPE.TXT,
              class: Packet.CLASS.IN,
              ttl: 1,
              data,
            } as (typeof response.answers)[number]);
          }
        } else if (question.type === Packet.TYPE.A) {
          for (const address of a.get(name) ?? []) {
            response.answers.push({
              name: question.name,
              type: Packet.TYPE.A,
              class: Packet.CLASS.IN,
              ttl: 1,
              address,
            } as (typeof response.answers)[number]);
          }
        }
      }
      if (!known) response.header.rcode = NXDOMAIN;
      void send(response);
    },
  });
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  return {
    port: (addresses.udp as AddressInfo).port,
    txt,
    a,
    questions,
    stop: () => server.close(),
  };
}
