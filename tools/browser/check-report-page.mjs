// node check-report-page.mjs <report-url> <screenshot.png>
// Opens a viz report, checks that every picture loaded and the interactive t-SNE view draws and
// answers hovering; prints a JSON summary; exits 1 when anything failed.
import { canvasPixels, launch, watch } from './browser.mjs';

const [url, screenshot] = process.argv.slice(2);
const browser = await launch();
const out = { problems: [] };
try {
  const page = await (await browser.newContext()).newPage();
  out.problems = watch(page);
  await page.goto(url, { waitUntil: 'networkidle' });
  out.title = await page.title();
  out.images = await page.evaluate(() => Array.from(document.images).map((i) => ({ src: i.getAttribute('src'), width: i.naturalWidth })));
  const broken = out.images.filter((i) => i.width === 0);
  if (out.images.length === 0 || broken.length > 0) out.problems.push('images not rendered: ' + JSON.stringify(broken));
  out.canvasInk = await canvasPixels(page, 'view', 'ink');
  if (out.canvasInk < 100) out.problems.push('the t-SNE canvas is empty');
  // hover the first point of the data
  await page.locator('#view').scrollIntoViewIfNeeded();
  const target = await page.evaluate(() => {
    const c = document.getElementById('view');
    const pts = window.TSNE_POINTS;
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (const p of pts) { minX = Math.min(minX, p[0]); maxX = Math.max(maxX, p[0]); minY = Math.min(minY, p[1]); maxY = Math.max(maxY, p[1]); }
    const r = c.getBoundingClientRect();
    const p = pts[0];
    return { x: r.left + 12 + (p[0] - minX) / (maxX - minX) * (c.width - 24), y: r.top + c.height - 12 - (p[1] - minY) / (maxY - minY) * (c.height - 24), row: p[2] };
  });
  await page.mouse.move(target.x, target.y);
  await page.waitForSelector('#tip:not([hidden])', { timeout: 5000 });
  out.tooltip = await page.textContent('#tip');
  await page.selectOption('#colour', 'cluster');
  out.metricsRows = await page.locator('#metrics tr').count();
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
} catch (e) {
  out.problems.push('check failed: ' + e.message);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
process.exit(out.problems.length === 0 ? 0 : 1);
