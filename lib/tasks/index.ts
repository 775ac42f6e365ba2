import { z } from 'zod';
import { lookupIn, type RenderedMarkdown } from '@/lib/markdown/off-thread';
import { excerptFromHtml, htmlToText, renderComment, renderMarkdown } from '@/lib/markdown/render';
import { renderNewsletter } from '@/lib/newsletters/render';
import { describeFailure } from '@/lib/workers/errors';
import { registerInlineRunner, type TaskMessage, type TaskReply } from '@/lib/workers/pool';
import { TASK } from '@/lib/workers/task-names';

/**
 * Every task a worker thread runs (lib/workers), by name. Loaded only in pool threads: this
 * table reaches the heavy pipelines so that the serving thread never runs them. The import
 * pipeline is loaded on its first use, so that a render thread starts quickly.
 */

const knownImage = z.object({
  src: z.string(),
  srcset: z.string().optional(),
  sizes: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
});

/** What a task may tell its caller as it goes (lib/workers/pool.ts, `onProgress`). */
type Report = (progress: unknown) => void;

const tasks: Record<string, (input: unknown, deadlineAt: number, report: Report) => unknown> = {
  [TASK.renderMarkdown]: (input): RenderedMarkdown => {
    const { markdown, images } = z.object({ markdown: z.string(), images: z.record(z.string(), knownImage) }).parse(input);
    const html = renderMarkdown(markdown, { images: lookupIn(images) });
    return { html, text: htmlToText(html), excerpt: excerptFromHtml(html) };
  },
  [TASK.renderComment]: (input) => renderComment(z.object({ body: z.string() }).parse(input).body),
  [TASK.renderNewsletter]: (input) => {
    const text = z.string().max(1000);
    return renderNewsletter(
      z
        .object({ blogTitle: text, blogUrl: text, postTitle: text, postUrl: text, date: text, unsubscribeUrl: text, html: z.string() })
        .parse(input),
    );
  },
  [TASK.prepareImport]: async (input, deadlineAt) => {
    const { prepareBlogFile } = await import('@/lib/export/prepare');
    return prepareBlogFile(z.object({ upload: z.string(), fresh: z.string(), copy: z.string() }).parse(input), deadlineAt);
  },
  [TASK.importFrom]: async (input, deadlineAt, report) => {
    const { runImport, importJobSchema } = await import('@/lib/imports/apply');
    return runImport(importJobSchema.parse(input), deadlineAt, report);
  },
  [TASK.readSubscriberCsv]: async (input) => {
    const { readSubscriberCsv } = await import('@/lib/newsletters/csv');
    return readSubscriberCsv(z.object({ text: z.string() }).parse(input).text);
  },
  [TASK.enqueueMail]: async (input) => {
    const { enqueueMail, queuedMailSchema } = await import('@/lib/mail/outbox');
    const { mail, recipients } = queuedMailSchema.parse(input);
    return enqueueMail(mail, recipients);
  },
  [TASK.exportMarkdown]: async (input) => {
    const { writeMarkdownZip } = await import('@/lib/export/markdown');
    return writeMarkdownZip(z.object({ source: z.string(), dest: z.string(), slug: z.string(), now: z.string() }).parse(input));
  },
};

export async function runTaskHere(message: TaskMessage): Promise<TaskReply<unknown>> {
  message.started?.postMessage('started');
  message.started?.close();
  try {
    const task = tasks[message.name];
    if (!task) throw new Error(`no such task: ${message.name}`);
    const report: Report = (progress) => message.progress?.postMessage(progress);
    return { ok: true, value: await task(message.input, Date.now() + message.deadlineMs, report) };
  } catch (error) {
    return { ok: false, failure: describeFailure(error) };
  } finally {
    message.progress?.close();
  }
}

registerInlineRunner(runTaskHere);
