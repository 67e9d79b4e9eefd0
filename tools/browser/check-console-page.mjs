// node check-console-page.mjs <console-url> <run-id> <token> <screenshot.png>
// Follows the pipeline console live: once it shows the run's progress and the alias' version it records both, checks
// that no action is offered without a token and prints READY; the test then publishes the next epoch and a promotion,
// and this waits for the page to show both changed. Then it pastes the token and records the actions offered.
// Prints a JSON summary last; exits 1 when anything failed.
import { launch, watch } from './browser.mjs';

const [url, run, token, screenshot] = process.argv.slice(2);
const progress = `tr[data-run="${run}"] .epochs`;
const bar = `tr[data-run="${run}"] progress`;
const alias = '.alias[data-alias="digits"] .target';
const browser = await launch();
const out = { problems: [] };
const shown = async (page) => ({
  progress: await page.textContent(progress),
  bar: Number(await page.getAttribute(bar, 'value')),
  alias: await page.textContent(alias),
});
try {
  const page = await (await browser.newContext()).newPage();
  out.problems = watch(page);
  const answer = await page.goto(url, { waitUntil: 'load' });
  if (!answer.ok()) throw new Error(url + ' answered ' + answer.status());
  out.title = await page.title();
  await page.waitForFunction(([p, a]) => document.querySelector(p) && document.querySelector(a), [progress, alias],
    { timeout: 60000 });
  out.before = await shown(page);
  out.actionsWithoutToken = await page.locator('[data-action]').count();
  out.who = await page.textContent('#who');
  console.log('READY');
  await page.waitForFunction(([p, a, before]) => document.querySelector(p).textContent !== before.progress
      && document.querySelector(a).textContent !== before.alias, [progress, alias, out.before], { timeout: 60000 });
  out.after = await shown(page);
  out.history = await page.locator('#alias-history tbody tr').count();
  await page.fill('#token', token);
  await page.click('#use-token');
  await page.waitForFunction(() => document.getElementById('who').textContent.startsWith('signed in'), null,
    { timeout: 15000 });
  await page.waitForSelector('[data-action]', { timeout: 15000 });
  out.signedIn = await page.textContent('#who');
  out.actionsWithToken = await page.locator('[data-action]').evaluateAll((bs) => bs.map((b) => b.dataset.action));
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
} catch (e) {
  out.problems.push('check failed: ' + e.message);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
process.exit(out.problems.length === 0 ? 0 : 1);
