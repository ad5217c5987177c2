// The 360-px phone pass: logs in as a user (JavaScript off), visits pages, saves full-page screenshots and
// reports for each page its status, whether it scrolls sideways (scrollWidth > 360) and every button, select or
// button-styled link shorter than 40 px. Driven by scripts/phone-pass.sh.
import { chromium } from 'playwright-core';

const [, , base, email, outdir, ...paths] = process.argv;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const context = await browser.newContext({ viewport: { width: 360, height: 740 }, javaScriptEnabled: false });
const page = await context.newPage();
const who = email === '-' ? 'anonymous' : email.split('@')[0];
if (email !== '-') {
  await page.goto(base + '/login');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', process.env.PASSWORD || 'rural-service-demo');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button')]);
}
const lang = process.env.SWITCH_LANG;
if (lang) {
  await page.goto(base + '/');
  await page.selectOption('select[name=lang]', lang);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/language"] button')]);
}
let problems = 0;
for (const path of paths) {
  const response = await page.goto(base + path);
  const file = `${outdir}/${lang || 'en'}-${who}${path.replace(/[^a-z0-9]+/gi, '_')}.png`;
  await page.screenshot({ path: file, fullPage: true });
  const seen = await page.evaluate(() => ({
    width: document.documentElement.scrollWidth,
    small: [...document.querySelectorAll('button, select, a.button, input[type=submit]')]
      .filter((e) => e.offsetParent && e.getBoundingClientRect().height < 40)
      .map((e) => e.outerHTML.slice(0, 60)),
  }));
  const wide = seen.width > 360;
  if (wide || seen.small.length) problems += 1;
  console.log(`${response.status()} ${lang || 'en'} ${who} ${path} width=${seen.width}${wide ? ' SIDEWAYS' : ''} small=${seen.small.length}`);
  for (const s of seen.small) console.log(`    under 40 px: ${s}`);
}
await browser.close();
process.exitCode = problems ? 1 : 0;
