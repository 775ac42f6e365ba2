import yauzl from 'yauzl';
import { InputError } from '@/lib/input';

/**
 * A zip an export came in (Substack, a Markdown folder, Ghost with its images), read by name:
 * the directory is read once, each entry inflated only when asked for and held to a size
 * (declared and actual: a zip can lie), and all entries inflated together to the import's
 * budget. Names are checked by yauzl (no absolute paths, no `..`).
 */
export type Archive = {
  /** Every file's name (folders left out) and declared size, in the zip's order. */
  files: { name: string; size: number }[];
  has(name: string): boolean;
  /** The entry's bytes, refused past `limit`; undefined when there is no such file. */
  read(name: string, limit: number): Promise<Buffer | undefined>;
  close(): void;
};

const ARCHIVE_MAX_ENTRIES = 20_000;

export function openArchive(file: string, budgetBytes: number): Promise<Archive> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      file,
      { lazyEntries: true, validateEntrySizes: true, strictFileNames: true, decodeStrings: true, autoClose: false },
      (error, zip) => {
        if (error || !zip) return reject(new InputError('This file is not a zip file.'));
        if (zip.entryCount > ARCHIVE_MAX_ENTRIES) {
          zip.close();
          return reject(new InputError(`This zip file has more than ${ARCHIVE_MAX_ENTRIES.toLocaleString('en')} files.`));
        }
        const entries = new Map<string, yauzl.Entry>();
        let inflated = 0;
        const fail = (e: Error) => {
          zip.close();
          if (/invalid relative path|absolute path|invalid characters/i.test(e.message))
            reject(new InputError(`This zip file has an unsafe file name (${e.message}); nothing was imported.`));
          else reject(new InputError(`This zip file is damaged: ${e.message}.`));
        };
        zip.on('error', fail);
        zip.on('entry', (entry: yauzl.Entry) => {
          if (!entry.fileName.endsWith('/')) entries.set(entry.fileName, entry);
          zip.readEntry();
        });
        zip.on('end', () => {
          zip.removeListener('error', fail);
          zip.on('error', () => undefined);
          resolve({
            files: [...entries.values()].map((e) => ({ name: e.fileName, size: e.uncompressedSize })),
            has: (name) => entries.has(name),
            close: () => zip.close(),
            read: (name, limit) =>
              new Promise((done, refuse) => {
                const entry = entries.get(name);
                if (!entry) return done(undefined);
                const tooBig = () => new InputError(`${name} is larger than ${formatSize(limit)}; nothing was imported.`);
                if (inflated + entry.uncompressedSize > budgetBytes)
                  return refuse(new InputError(`This zip file expands to more than ${formatSize(budgetBytes)}; nothing was imported.`));
                if (entry.uncompressedSize > limit) return refuse(tooBig());
                zip.openReadStream(entry, (streamError, stream) => {
                  if (streamError || !stream)
                    return refuse(new InputError(`This zip file is damaged: ${streamError?.message ?? 'unreadable entry'}.`));
                  const chunks: Buffer[] = [];
                  let size = 0;
                  stream.on('data', (chunk: Buffer) => {
                    size += chunk.length;
                    inflated += chunk.length;
                    if (size > limit || size > entry.uncompressedSize) {
                      stream.destroy();
                      refuse(tooBig());
                    } else chunks.push(chunk);
                  });
                  stream.on('error', (e: Error) =>
                    refuse(new InputError(`This zip file is damaged or lies about its sizes (${e.message}); nothing was imported.`)),
                  );
                  stream.on('end', () => done(Buffer.concat(chunks)));
                });
              }),
          });
        });
        zip.readEntry();
      },
    );
  });
}

export function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MB` : `${Math.round(bytes / 1024)} KB`;
}

/** What a zip tool adds beside the files themselves: macOS's `__MACOSX/` copies and `.DS_Store`. */
export function isZipClutter(name: string): boolean {
  return name.startsWith('__MACOSX/') || name === '.DS_Store' || name.endsWith('/.DS_Store');
}

/**
 * `my-site/` when every file of the zip is inside that one folder (a folder zipped whole rather
 * than its contents), else ''. Zip clutter is left out of the question.
 */
export function topFolder(archive: Pick<Archive, 'files'>): string {
  let folder: string | undefined;
  for (const { name } of archive.files) {
    if (isZipClutter(name)) continue;
    const slash = name.indexOf('/');
    if (slash < 0) return '';
    const first = name.slice(0, slash + 1);
    if (folder === undefined) folder = first;
    else if (folder !== first) return '';
  }
  return folder ?? '';
}
