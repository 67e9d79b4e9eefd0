// node check-inference-page.mjs <base-url> <screenshot.png>
// Opens the inference service's page, draws a stroke, records from the (fake) microphone, predicts,
// and prints a JSON summary; exits 1 when anything failed.
import { canvasPixels, launch, watch } from './browser.mjs';

const [base, screenshot] = process.argv.slice(2);
const browser = await launch();
const out = { problems: [] };
try {
  const context = await browser.newContext({ permissions: ['microphone'] });
  const page = await context.newPage();
  out.problems = watch(page);
  await page.goto(base, { waitUntil: 'networkidle' });
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('loaded'), null, { timeout: 15000 });
  out.status = await page.textContent('#status');

  // draw a "1": one vertical stroke in the middle of the pad
  const box = await page.locator('#pad').boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) {
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.2 + 0.6 * i / 12));
  }
  await page.mouse.up();
  out.inkPixels = await canvasPixels(page, 'pad', 'bright');

  // image alone
  await page.click('#predict');
  await page.waitForSelector('#result:not([hidden])', { timeout: 15000 });
  out.imageOnly = {
    digit: await page.textContent('#digit'),
    modalities: await page.textContent('#modalities'),
    note: await page.textContent('#note'),
    bars: await page.locator('#bars .bar').count(),
  };

  // record 1.5 s from the fake microphone, then both modalities
  await page.click('#record');
  await page.waitForFunction(() => document.getElementById('audioState').textContent.startsWith('recorded'), null, { timeout: 15000 });
  out.audioState = await page.textContent('#audioState');
  await page.click('#predict');
  await page.waitForFunction(() => document.getElementById('modalities').textContent.includes('image + audio'), null, { timeout: 15000 });
  out.both = { digit: await page.textContent('#digit'), modalities: await page.textContent('#modalities') };
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
} catch (e) {
  out.problems.push('check failed: ' + e.message);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
process.exit(out.problems.length === 0 ? 0 : 1);
