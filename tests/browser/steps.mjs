// The runner the browser specs share: Debian's chromium launched headless, steps run in
// order (after a failure the rest are skipped, each failure photographed), errors the pages
// log counted as a failure, `N passed, N failed` printed and the exit code set.

import { chromium } from 'playwright-core';
import { join } from 'node:path';

// A setting the spec needs, from the environment tests/browser/run.sh prepares.
export const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`set ${name}`);
  return v;
};

// The API from Node, as a token's holder: JSON in and out; a refusal throws with its body.
export function apiOf(base, defaultToken) {
  return async function api(method, path, body, token = defaultToken) {
    const res = await fetch(base + '/api' + path, {
      method,
      headers: { Authorization: 'Bearer ' + token, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = res.status === 204 ? null : await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(data)}`);
    return data;
  };
}

// What the pages logged as errors, for a step that checks a view opened without one.
export const errors = [];

export function steps() {
  const list = [];
  return { list, step: (name, fn) => list.push({ name, fn }) };
}

// Launches the browser and hands it to `open`, which makes the spec's pages and returns them
// by name ({ page, admin … }); runs `list`. `tolerate` matches page errors a spec provokes on
// purpose (a 409 it asks for); `name` prefixes the failure screenshots.
export async function run(list, { shots, name, open, tolerate = null }) {
  let browser;
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  try {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      // Root in CI containers cannot use the sandbox.
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    const pages = await open(browser);
    for (const p of Object.values(pages)) {
      p.setDefaultTimeout(15_000);
      p.on('pageerror', (e) => errors.push(e.message));
      p.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
    }
    for (const s of list) {
      if (failed) {
        skipped++;
        console.log(`- skip ${s.name}`);
        continue;
      }
      const t0 = Date.now();
      try {
        await s.fn();
        passed++;
        console.log(`✓ ${s.name} (${Date.now() - t0} ms)`);
      } catch (e) {
        failed++;
        console.log(`✗ ${s.name}\n  ${String(e.stack || e).split('\n').slice(0, 6).join('\n  ')}`);
        for (const [which, p] of Object.entries(pages)) {
          await p.screenshot({ path: join(shots, `${name}-failure-${which}.png`) }).catch(() => {});
        }
      }
    }
    const pageErrors = errors.filter((e) => !(tolerate && tolerate.test(e)));
    if (pageErrors.length) {
      failed++;
      console.log('✗ the page logged errors:\n  ' + pageErrors.join('\n  '));
    }
  } finally {
    if (browser) await browser.close();
  }
  console.log(`screenshots: ${shots}`);
  console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
  process.exit(failed ? 1 : 0);
}
