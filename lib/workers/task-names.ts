/**
 * The names of the tasks a pool thread runs: the contract between the callers (which say what
 * to run) and the task table (lib/tasks, which runs it). One definition each.
 */
export const TASK = {
  renderMarkdown: 'renderMarkdown',
  renderComment: 'renderComment',
  prepareImport: 'prepareImport',
  exportMarkdown: 'exportMarkdown',
  importFrom: 'importFrom',
  readSubscriberCsv: 'readSubscriberCsv',
  renderNewsletter: 'renderNewsletter',
  enqueueMail: 'enqueueMail',
} as const;
