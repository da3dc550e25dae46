import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pushImage, startRegistryHarness, type RegistryHarness } from '../../conformance/registry-harness.js';
import { buildDashboard, launchChromium, screenshot, signIn, waitForText, type Browser } from './browser.js';

// Repositories → tags → manifest in the browser, for a nested repository name, with an OCI referrer (an SBOM-like
// artifact whose subject is the image).
let h: RegistryHarness;
let browser: Browser;
let image: { digest: string; body: Buffer; layerDigests: string[] };
let referrer: { digest: string };

before(async () => {
  await buildDashboard();
  h = await startRegistryHarness({ name: 'artreg' });
  const auth = `Bearer ${await h.token('repository:team/app:push,pull')}`;
  image = await pushImage(h, 'team/app', 'v1', auth, [Buffer.alloc(3000, 1), Buffer.alloc(70_000, 2)]);
  referrer = await pushImage(h, 'team/app', 'sbom-v1', auth, [Buffer.from('{"sbom":true}')], {
    artifactType: 'application/vnd.example.sbom.v1+json',
    subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.digest, size: image.body.length },
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await h?.cleanup();
});

test(
  'a manifest page shows digest, layers with sizes and the referrers of the image',
  { timeout: 120_000 },
  async () => {
    const page = await signIn(browser.context, h.ts.endpoint, { adminKey: h.ts.platform.admin.key });
    await page.goto(`${h.ts.endpoint}/dashboard/#/rg/rg1/registries/artreg/repositories`);
    await waitForText(page, '[data-testid=repositories]', /team\/app/);
    await page.click('[data-testid=repositories] >> text=team/app');
    const tags = await waitForText(page, '[data-testid=tags]', /sbom-v1/);
    assert.match(tags, /v1/);
    assert.ok(tags.includes(image.digest.slice(0, 19)), tags);
    await page.click('[data-testid=tags] a:text-is("v1")');
    assert.equal(await waitForText(page, '[data-testid=manifest-digest]', /^sha256:/), image.digest);
    const layers = await waitForText(page, '[data-testid=layers]', /KiB/);
    assert.match(layers, /2\.93 KiB/);
    assert.match(layers, /68\.4 KiB/);
    const refs = await waitForText(page, '[data-testid=referrers]', /sbom/);
    assert.match(refs, /application\/vnd\.example\.sbom\.v1\+json/);
    assert.ok(refs.includes(referrer.digest.slice(0, 19)), refs);
    await screenshot(page, '10-manifest-referrers');
    // The referrer itself opens by digest, and names its subject.
    await page.click(`[data-testid=referrers] a`);
    const subject = await waitForText(page, '[data-testid=manifest]', /Subject/);
    assert.ok(subject.includes(image.digest), subject);
    await page.close();
  },
);
