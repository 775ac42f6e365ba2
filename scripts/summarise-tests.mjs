// Prints one closing line for the whole run, from Playwright's JSON report and vitest's (one per
// control-plane backend).
import fs from 'node:fs';

const [playwrightFile, ...vitestFiles] = process.argv.slice(2);
const playwright = JSON.parse(fs.readFileSync(playwrightFile, 'utf8'));
const vitests = vitestFiles.map((file) => JSON.parse(fs.readFileSync(file, 'utf8')));
const sum = (count) => vitests.reduce((total, vitest) => total + count(vitest), 0);

const passed = sum((v) => v.numPassedTests) + (playwright.stats.expected ?? 0);
const failed = sum((v) => v.numFailedTests) + (playwright.stats.unexpected ?? 0) + (playwright.stats.flaky ?? 0);
const skipped = sum((v) => v.numPendingTests + v.numTodoTests) + (playwright.stats.skipped ?? 0);
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
