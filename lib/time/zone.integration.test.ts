import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startServer, type RunningServer } from '@/lib/testing/server';

/**
 * Times in the dashboard, over real HTTP against the production server: in the blog's time zone
 * (the browser's at sign-up, then the setting), and a scheduled post says "Published" once due.
 */
const PASSWORD = 'a long enough passphrase';
let dataDir: string;
let server: RunningServer;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-zone-'));
  server = await startServer(dataDir);
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function signUp(email: string, slug: string, timeZone?: unknown): Promise<ApiClient> {
  const client = new ApiClient(server.port);
  const reply = await client.call('POST', '/api/auth/signup', { email, password: PASSWORD, blog: { slug, title: slug, timeZone } });
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  return client;
}

/** The status shown in the dashboard's row of the post with this title. */
function shownStatus(html: string, title: string): string | undefined {
  const row = html.split('<tr>').find((cells) => cells.includes(`>${title}</a>`));
  return row && /class="status status-\w+">([^<]+)</.exec(row)?.[1];
}

const settings = (timeZone: unknown) => ({ title: 'Tokyo', description: '', authorName: '', postsPerPage: 10, timeZone });

describe('the blog’s time zone', () => {
  it('is the browser’s at sign-up, and every time in the dashboard is shown in it', async () => {
    const ken = await signUp('ken@example.com', 'tokyo', 'Asia/Tokyo');
    await ken.call('POST', '/api/blogs/tokyo/posts', { title: 'Cherry blossoms', markdown: 'x', action: 'publish' });
    const list = (await ken.call('GET', '/dashboard/tokyo')).text;
    expect(list).toMatch(/<time dateTime="[^"]+">[^<]+ GMT\+9<\/time>/);
    expect(list).not.toMatch(/ UTC<\/time>/);
    expect((await ken.call('GET', '/dashboard/tokyo/settings')).text).toMatch(/<option value="Asia\/Tokyo" selected="">/);
  });

  it('is refused unless it is a zone the server knows, and changed in the settings', async () => {
    const ken = new ApiClient(server.port);
    const login = await ken.call('POST', '/api/auth/login', { email: 'ken@example.com', password: PASSWORD });
    expect(login.status).toBe(200);
    for (const bad of ['Mars/Olympus_Mons', 'GMT+25', '', 42, 'Asia/Tokyo\nX']) {
      const refused = await ken.call('PUT', '/api/blogs/tokyo/settings', settings(bad));
      expect(refused.status, String(bad)).toBe(400);
      expect(refused.json.error).toBe('Choose a time zone from the list.');
    }
    expect((await ken.call('GET', '/dashboard/tokyo')).text).toMatch(/ GMT\+9<\/time>/);
    const changed = await ken.call('PUT', '/api/blogs/tokyo/settings', settings('America/New_York'));
    expect(changed.status).toBe(200);
    expect(changed.json.settings).toMatchObject({ timeZone: 'America/New_York' });
    expect((await ken.call('GET', '/dashboard/tokyo')).text).toMatch(/ E[SD]T<\/time>/);
  });

  it('is UTC when the browser names none the server knows', async () => {
    const lee = await signUp('lee@example.com', 'nowhere', 'Nowhere/Special');
    await lee.call('POST', '/api/blogs/nowhere/posts', { title: 'Hello', markdown: 'x', action: 'publish' });
    expect((await lee.call('GET', '/dashboard/nowhere')).text).toMatch(/ UTC<\/time>/);
  });

  it('leaves statistics in UTC days, and says so', async () => {
    const ken = new ApiClient(server.port);
    await ken.call('POST', '/api/auth/login', { email: 'ken@example.com', password: PASSWORD });
    expect((await ken.call('GET', '/dashboard/tokyo/stats')).text).toContain('Days are UTC days');
  });
});

describe('a scheduled post', () => {
  it('shows as Scheduled until its time, then as Published', async () => {
    const mia = await signUp('mia@example.com', 'later');
    const publishAt = new Date(Date.now() + 2500).toISOString();
    const saved = await mia.call('POST', '/api/blogs/later/posts', { title: 'Coming soon', markdown: 'x', action: 'schedule', publishAt });
    expect(saved.status, JSON.stringify(saved.json)).toBe(200);
    expect(shownStatus((await mia.call('GET', '/dashboard/later')).text, 'Coming soon')).toBe('Scheduled');
    await new Promise((resolve) => setTimeout(resolve, Date.parse(publishAt) - Date.now() + 200));
    const list = (await mia.call('GET', '/dashboard/later')).text;
    expect(shownStatus(list, 'Coming soon')).toBe('Published');
    expect(list).toContain('/posts/coming-soon'); // and the link to read it on the blog
  });
});
