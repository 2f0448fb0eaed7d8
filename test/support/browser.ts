/**
 * Debian's Chromium driven by playwright-core, for the browser tests (the capture page, the operator
 * console), and where their screenshots go: a temporary folder, or docs/images/ with
 * IFAS_UPDATE_SCREENSHOTS=1 (the README and the docs show those).
 */

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { projectRoot } from '../../src/project-root.js';

const CHROMIUM = process.env.IFAS_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(args: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: apt-get install -y chromium (scripts/test-all.sh does)`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args });
}

/** The folder screenshots go to (created): docs/images with IFAS_UPDATE_SCREENSHOTS=1, else `work/shots`. */
export async function screenshotDir(work: string): Promise<string> {
  const dir =
    process.env.IFAS_UPDATE_SCREENSHOTS === '1'
      ? join(projectRoot(), 'docs', 'images')
      : join(work, 'shots');
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Collects the page's Content Security Policy violations (a strict page must have none). */
export function cspViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}
