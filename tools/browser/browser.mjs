// Shared by the page checks: Debian's chromium, headless, with nothing that calls out to the internet.
import { chromium } from 'playwright-core';

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-default-apps', '--no-first-run', '--disable-domain-reliability',
      '--disable-features=OptimizationHints,MediaRouter,Translate,DialMediaRouteProvider',
      // a fake microphone (a tone) so that recording can be exercised without hardware
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    ],
  });
}

/** Collects console errors, page errors and failed requests of a page. */
export function watch(page) {
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('requestfailed', (r) => problems.push('request failed: ' + r.url() + ' ' + (r.failure() || {}).errorText));
  return problems;
}
