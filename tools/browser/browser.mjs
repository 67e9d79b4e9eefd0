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

/** Counts the pixels of a canvas that are bright (mode "bright": red > 128) or not white (mode "ink"). */
export async function canvasPixels(page, id, mode) {
  return page.evaluate(([canvasId, m]) => {
    const c = document.getElementById(canvasId);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (m === 'bright' ? d[i] > 128 : (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) n++;
    }
    return n;
  }, [id, mode]);
}
