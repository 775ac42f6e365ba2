import { absoluteBlogUrl, blogPaths } from '@/lib/blogs/address';
import { findBlog } from '@/lib/blogs/blogs';
import { isFromBlogItself } from '@/lib/comments/submission';
import { assertWritable } from '@/lib/cluster/fence';
import { readBody } from '@/lib/http/api';
import { HttpError, errorReply, forbidden } from '@/lib/http/errors';
import { clientIp } from '@/lib/http/request';
import { parseInput } from '@/lib/input';
import { emailSchema } from '@/lib/input/email';
import { composeMail } from '@/lib/mail/compose';
import { oneLine } from '@/lib/mail/headers';
import { enqueueMail, mailEnabled } from '@/lib/mail/outbox';
import { publicBlog, type PublicBlog } from '@/lib/reader/blog';
import { SUBSCRIBE_FIELDS } from './fields';
import { countSubscribeRequest } from './limits';
import { readerPageResponse, type ReaderPage } from './reader-page';
import { confirmSubscription, findSubscriberByToken, requestSubscription, unsubscribe, type Subscriber } from './subscribers';

/**
 * The reader's side of a blog's newsletter, on the blog's host (app/sites/[site]/subscribe and
 * unsubscribe): the form's target, and the pages behind the links in a reader's mail. None of
 * these answers is cached (lib/server/blog-host.ts).
 */

/** The form holds an address and a hidden trap; a one-click unsubscribe holds one short field. */
const FORM_MAX_BYTES = 4 * 1024;

/**
 * `POST /subscribe`: the form on the blog's pages. Only the blog's own pages may post here. Every
 * address gets the same answer, whether it is new, waiting for its confirmation or subscribed
 * already (nobody learns who reads the blog); only a reader who still has to confirm is mailed.
 */
export async function receiveSubscription(request: Request, site: string): Promise<Response> {
  let blogTitle = 'Subscribe';
  try {
    if (!isFromBlogItself(request)) throw forbidden('This subscription was sent from another site and was refused.');
    const blog = publicBlog(site);
    if (!blog) throw new HttpError(404, 'There is no blog here.');
    blogTitle = blog.settings.title;
    if (!mailEnabled()) throw new HttpError(404, 'This blog does not send posts by mail.');
    assertWritable(blog.handle.slug);
    if (!(request.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
      throw new HttpError(415, 'Subscribe with the form on the blog.');
    }
    const form = new URLSearchParams((await readBody(request, FORM_MAX_BYTES, 'This form is too long to send.')).toString('utf8'));
    const email = parseInput(emailSchema, form.get(SUBSCRIBE_FIELDS.email) ?? '');
    countSubscribeRequest(await clientIp(), email, blog.handle.slug);
    // A bot that filled the hidden field gets the same page, and nothing is done.
    if (!form.get(SUBSCRIBE_FIELDS.honeypot)) {
      const { subscriber } = requestSubscription(blog.handle, email);
      if (subscriber.state === 'pending') await mailConfirmation(blog, subscriber);
    }
    return readerPageResponse({
      status: 200,
      blogTitle,
      heading: 'Check your inbox',
      paragraphs: [
        `If ${email} is not subscribed yet, a message is on its way to it with a link to confirm your subscription to ${blogTitle}.`,
        'Nothing is sent to you until you confirm. If it does not arrive in a few minutes, look in your spam folder.',
      ],
    });
  } catch (error) {
    return refusal(error, blogTitle, 'You were not subscribed');
  }
}

/** The double opt-in: a mail to this one reader with the link that confirms. */
async function mailConfirmation(blog: PublicBlog, subscriber: Subscriber): Promise<void> {
  const slug = blog.handle.slug;
  const title = blog.settings.title;
  const url = absoluteBlogUrl(slug, blogPaths.confirmSubscription(subscriber.token));
  const body = composeMail({
    paragraphs: [
      `Someone asked for new posts from ${title} to be sent to this address by mail.`,
      'If it was you, confirm below. Nothing is sent to you until you do.',
    ],
    action: { label: 'Confirm my subscription', url },
    footer: 'If this was not you, ignore this mail: you will not be subscribed, and no other mail will follow.',
  });
  await enqueueMail(
    {
      kind: 'subscribe',
      subject: oneLine(`Confirm your subscription to ${title}`),
      fromName: oneLine(title, 200),
      blogId: (await findBlog(slug))?.id,
      ...body,
    },
    [{ to: subscriber.email, subscriberId: subscriber.id }],
  );
}

/**
 * `GET|POST /subscribe/confirm?token=…`: the link in the confirmation mail. A GET shows a
 * button (mail scanners follow links; only a person presses it); the POST confirms.
 */
export async function confirmRoute(request: Request, site: string): Promise<Response> {
  return tokenRoute(request, site, (blog, token) => {
    const title = blog.settings.title;
    if (request.method === 'GET') {
      const subscriber = findSubscriberByToken(blog.handle, token);
      if (!subscriber) throw badLink();
      if (subscriber.state === 'active') return subscribedPage(title);
      if (subscriber.state !== 'pending') return notSubscribedPage(title);
      return {
        status: 200,
        blogTitle: title,
        heading: 'Confirm your subscription',
        paragraphs: [`Press the button to get new posts from ${title} by mail.`],
        button: { action: blogPaths.confirmSubscription(token), label: 'Confirm' },
      };
    }
    assertWritable(blog.handle.slug);
    const subscriber = confirmSubscription(blog.handle, token);
    if (!subscriber) throw badLink();
    return subscriber.state === 'active' ? subscribedPage(title) : notSubscribedPage(title);
  });
}

/**
 * `GET|POST /unsubscribe?token=…`: the link in every newsletter. A GET shows a button; the POST
 * unsubscribes, from that button or from the reader's mail program (RFC 8058 one-click: a POST
 * of `List-Unsubscribe=One-Click` without Origin or cookie; the token is what authorizes it).
 */
export async function unsubscribeRoute(request: Request, site: string): Promise<Response> {
  return tokenRoute(request, site, async (blog, token) => {
    const title = blog.settings.title;
    if (request.method === 'GET') {
      const subscriber = findSubscriberByToken(blog.handle, token);
      if (!subscriber) throw badLink();
      if (subscriber.state !== 'active' && subscriber.state !== 'pending') return unsubscribedPage(title);
      return {
        status: 200,
        blogTitle: title,
        heading: 'Unsubscribe',
        paragraphs: [`Press the button to get no more mail from ${title}.`],
        button: { action: blogPaths.unsubscribe(token), label: 'Unsubscribe' },
      };
    }
    // Whatever the body says (a one-click POST, or our button's empty form), it is read and dropped.
    await readBody(request, FORM_MAX_BYTES, 'This request is too long.');
    assertWritable(blog.handle.slug);
    if (!unsubscribe(blog.handle, token)) throw badLink();
    return unsubscribedPage(title);
  });
}

async function tokenRoute(
  request: Request,
  site: string,
  answer: (blog: PublicBlog, token: string) => ReaderPage | Promise<ReaderPage>,
): Promise<Response> {
  let blogTitle = 'Subscription';
  try {
    const blog = publicBlog(site);
    if (!blog) throw new HttpError(404, 'There is no blog here.');
    blogTitle = blog.settings.title;
    const token = new URL(request.url).searchParams.get('token') ?? '';
    return readerPageResponse(await answer(blog, token));
  } catch (error) {
    return refusal(error, blogTitle, 'This link does not work');
  }
}

const badLink = () => new HttpError(404, 'This link is not valid: check that it was copied whole from the mail.');

const subscribedPage = (title: string): ReaderPage => ({
  status: 200,
  blogTitle: title,
  heading: `You are subscribed to ${title}`,
  paragraphs: ['New posts will come to you by mail. Each one has a link to unsubscribe.'],
});

const notSubscribedPage = (title: string): ReaderPage => ({
  status: 200,
  blogTitle: title,
  heading: 'You are not subscribed',
  paragraphs: [`This link was for an earlier subscription. To get posts from ${title} by mail, subscribe again with the form on the blog.`],
});

const unsubscribedPage = (title: string): ReaderPage => ({
  status: 200,
  blogTitle: title,
  heading: 'You are unsubscribed',
  paragraphs: [`You will get no more mail from ${title}.`],
});

function refusal(error: unknown, blogTitle: string, heading: string): Response {
  const { status, message, retryAfterSeconds } = errorReply(error, 'your subscription');
  return readerPageResponse({ status, blogTitle, heading, paragraphs: [message], retryAfterSeconds });
}
