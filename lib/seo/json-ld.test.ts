import { parseDocument } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { jsonLdScriptText } from './json-ld';

type Node = { type: string; name?: string; attribs?: Record<string, string>; children?: Node[]; data?: string };
const scripts = (node: Node): Node[] => [...(node.type === 'script' ? [node] : []), ...(node.children ?? []).flatMap(scripts)];

describe('jsonLdScriptText', () => {
  const data = { headline: 'Ends </script><script>alert(1)</script> <!-- & \u2028 -->', n: 1 };

  it('stays one inert script in HTML, and reads back as the same data', () => {
    const html = `<script type="application/ld+json">${jsonLdScriptText(data)}</script><p>after</p>`;
    const found = scripts(parseDocument(html) as unknown as Node);
    expect(found).toHaveLength(1);
    const text = found[0]!.children!.map((child) => child.data).join('');
    expect(text).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(text)).toEqual(data);
  });

  it('uses a check that catches plain JSON.stringify', () => {
    const html = `<script type="application/ld+json">${JSON.stringify(data)}</script>`;
    expect(scripts(parseDocument(html) as unknown as Node)).toHaveLength(2);
  });
});
