import fs from 'node:fs';
import { config } from '@/lib/config';
import { removeQuietly, scratchFile } from '@/lib/db/paths';
import { HttpError } from '@/lib/http/errors';

/**
 * Stores an upload in a scratch file, refusing it past `QUIRE_IMPORT_MAX_MB` without keeping
 * more than one chunk in memory.
 */
export async function receiveUpload(body: ReadableStream<Uint8Array> | null, declaredLength: number): Promise<string> {
  const limit = config().importMaxBytes;
  const tooBig = () => new HttpError(413, `This file is larger than the ${Math.round(limit / 1024 / 1024)} MB import limit.`);
  if (declaredLength > limit) throw tooBig();
  const file = scratchFile('upload', '.bin');
  const out = fs.createWriteStream(file);
  let size = 0;
  try {
    if (body) {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > limit) throw tooBig();
        if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', () => resolve(undefined)));
      }
    }
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.end(() => resolve());
    });
    return file;
  } catch (error) {
    out.destroy();
    removeQuietly(file);
    throw error;
  }
}
