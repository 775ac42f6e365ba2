import { expect, test } from '@playwright/test';
import { PORT, platform, signUp } from './helpers';

/** What the e2e server's mail recorder received (scripts/e2e-mail-recorder.ts, started by scripts/e2e-server.sh). */
const MAILBOX = `http://127.0.0.1:${process.env.E2E_MAIL_HTTP_PORT ?? Number(PORT) + 2}/messages`;
type Mail = { to: string[]; subject: string; text: string };

async function mailTo(address: string, subject: RegExp): Promise<Mail[]> {
  const messages = (await (await fetch(MAILBOX)).json()) as Mail[];
  return messages.filter((mail) => mail.to.includes(address) && subject.test(mail.subject));
}

test('a person who forgot the password gets a link by mail, chooses a new one once, and old sessions end', async ({ page, browser }) => {
  test.setTimeout(60_000); // three browsers, two argon2 hashes and a mail on its way
  const email = 'forgetful@example.com';
  await signUp(page, email, { title: 'Forgetful', slug: 'forgetful' });
  await expect(page).toHaveURL(`${platform}/dashboard/forgetful`);

  // Another browser, logged in before the reset.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await otherPage.goto(`${platform}/login`);
  await otherPage.getByLabel('Email').fill(email);
  await otherPage.getByLabel('Password').fill('a long enough passphrase');
  await otherPage.getByRole('button', { name: 'Log in' }).click();
  await expect(otherPage).toHaveURL(/\/dashboard/);

  // A third browser, where the password is forgotten.
  const forgetful = await browser.newContext();
  const person = await forgetful.newPage();
  await person.goto(`${platform}/login`);
  await person.getByRole('link', { name: 'Forgot password?' }).click();
  await expect(person.getByRole('heading', { name: 'Forgot password?' })).toBeVisible();
  await person.getByLabel('Email').fill(email);
  await person.getByRole('button', { name: 'Send the link' }).click();
  await expect(person.getByText('If an account uses this address, a link to choose a new password is on its way.')).toBeVisible();

  await expect.poll(async () => (await mailTo(email, /new password/)).length, { timeout: 15_000 }).toBe(1);
  const [mail] = await mailTo(email, /new password/);
  const link = /http:\/\/\S+\/login\/reset\?token=\S+/.exec(mail!.text)![0];

  await person.goto(link);
  await person.getByLabel('New password').fill('a brand new passphrase');
  await person.getByRole('button', { name: 'Set the new password' }).click();
  await expect(person).toHaveURL(/\/dashboard/);
  await person.goto(`${platform}/dashboard/account`);
  await expect(person.getByText(`Signed in as ${email}.`)).toBeVisible();

  // The link does not work a second time.
  await person.goto(link);
  await expect(person.getByText('This link to choose a new password has already been used. Ask for a new one.')).toBeVisible();
  await expect(person.getByRole('button', { name: 'Set the new password' })).toHaveCount(0);

  // The sessions from before the reset are over: the other browser and the first one.
  await otherPage.goto(`${platform}/dashboard/account`);
  await expect(otherPage).toHaveURL(/\/login\?next=/);
  await page.goto(`${platform}/dashboard/account`);
  await expect(page).toHaveURL(/\/login\?next=/);

  // The new password is the one that logs in.
  await otherPage.getByLabel('Email').fill(email);
  await otherPage.getByLabel('Password').fill('a brand new passphrase');
  await otherPage.getByRole('button', { name: 'Log in' }).click();
  await expect(otherPage).toHaveURL(/\/dashboard\/account/);
  await other.close();
  await forgetful.close();
});
