import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDataDir } from '@/lib/testing/data-dir';
import { removeOldScratchFiles, scratchFile } from './paths';

const dataDir = makeTempDataDir();
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('scratch files', () => {
  it('older than the age given are deleted; newer ones, in use, are kept', () => {
    const old = scratchFile('upload', '.bin');
    const fresh = scratchFile('upload', '.bin');
    fs.writeFileSync(old, 'left by a process that died');
    fs.writeFileSync(fresh, 'an upload being read');
    const dayAndMore = (Date.now() - 25 * 60 * 60_000) / 1000;
    fs.utimesSync(old, dayAndMore, dayAndMore);
    expect(removeOldScratchFiles(24 * 60 * 60_000)).toBe(1);
    expect(fs.existsSync(old)).toBe(false);
    expect(fs.existsSync(fresh)).toBe(true);
  });
});
