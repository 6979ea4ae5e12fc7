import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEDGER_ERROR_CODES } from '../../chain/src/errors.js';
import { hasChromium, mailedLink, openPortal, type Portal } from './harness.js';
import { fixtures, INVESTOR_PASSWORD } from './issuer-fixtures.js';

/** Chain error names a person could mistake for words are left out: only CamelCase compounds. */
const CHAIN_CODES = LEDGER_ERROR_CODES.filter((c) => /^[A-Z][a-z]+[A-Z]/.test(c));
const CHAIN_CODE = new RegExp(`\\b(${CHAIN_CODES.join('|')})\\b`);
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i;
const ISO_DATE = /\b\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?/;
/** A currency or ticker next to a number of four digits or more without thousands separators. */
const UNGROUPED_MONEY = [
  /(\$|USD|USDS|€|£)\s?\d{4,}/,
  /\b\d{4,}(\.\d+)?\s?(USDS|USD|EUR|ACME|tokens?)\b/,
  /\b\d{4,}\.\d{2}\b/,
];
const DEVELOPER_TEXT = [
  /must match pattern/,
  /must NOT have/,
  /must have required property/,
  /\/(body|query|params)\//,
  /\bthe investor (has|is|does)\b/i,
  /\bnull\b|\bundefined\b|\[object Object\]/,
];

/** What a person would be shown that they should not be: the first offending snippet, if any. */
export function findProblems(text: string): string[] {
  const problems: string[] = [];
  const hit = (re: RegExp, what: string) => {
    const m = re.exec(text);
    if (m) {
      const at = Math.max(0, m.index - 40);
      problems.push(`${what}: …${text.slice(at, m.index + m[0].length + 40).replace(/\s+/g, ' ')}…`);
    }
  };
  hit(CHAIN_CODE, 'chain error code');
  hit(UUID, 'UUID');
  hit(ISO_DATE, 'ISO date');
  for (const re of UNGROUPED_MONEY) hit(re, 'unformatted amount');
  for (const re of DEVELOPER_TEXT) hit(re, 'developer text');
  return problems;
}

describe('the scanner', () => {
  it('catches what the portal used to show', () => {
    for (const bad of [
      'The chain refused the operation: InvalidTransferInvalidReceiverCDD — no CDD',
      'Actor user:2714c0de-1b2a-4c3d-9e8f-0123456789ab',
      'Created 2026-12-01T11:59:07.000Z',
      'Raised $124000.00',
      'the investor has 0 Stoa USD available',
      'Invalid body: /body/country must match pattern "^[A-Z]{2}$"',
      'Cost: 12000 USDS',
    ])
      expect(findProblems(bad), bad).not.toEqual([]);
    for (const good of [
      'Raised 124,000 USDS on 12/1/2026, 11:59:07 AM',
      'You are not accredited (no valid accreditation from a trusted verifier).',
      'Postal code 78701',
    ])
      expect(findProblems(good), good).toEqual([]);
  });
});

describe.skipIf(!hasChromium)('every investor page speaks plain language', () => {
  let portal: Portal;
  let f: ReturnType<typeof fixtures>;
  let accredited: { email: string };
  let plain: { email: string };
  let offeringId: string;
  const seen: { page: string; problems: string[] }[] = [];

  /** Reads what the page shows once it has loaded, screenshots it and records any problem. */
  async function scan(name: string): Promise<void> {
    const { page } = portal;
    await page.waitForLoadState('networkidle');
    await page.locator('main').first().waitFor();
    // Loading placeholders are gone once the page has answered.
    await page
      .getByText(/^Loading/)
      .first()
      .waitFor({ state: 'detached', timeout: 5_000 })
      .catch(() => undefined);
    const text = await page.locator('body').innerText();
    await portal.screenshot(`plain-${name}`);
    seen.push({ page: name, problems: findProblems(text) });
  }

  beforeAll(async () => {
    portal = await openPortal();
    portal.page.setDefaultTimeout(15_000);
    f = fixtures(portal);
    const usd = await f.stablecoin();
    const a = await f.investor('Plainbuyer', 'US', true);
    const p = await f.investor('Plainnovice', 'US', false);
    await usd.fund(a, '250000');
    await usd.fund(p, '12500');
    accredited = a;
    plain = p;

    const asset = await f.call('POST', '/assets', {
      name: 'Acme Common',
      ticker: 'ACME',
      assetType: 'EquityCommon',
      divisible: false,
    });
    await f.settle();
    const assetId = asset.asset.id as string;
    await f.call('PUT', `/assets/${assetId}/rules`, { templates: [{ template: 'reg-d-506c' }] });
    await f.settle();
    const offering = await f.call('POST', `/assets/${assetId}/offerings`, {
      name: 'Series A',
      paymentAssetId: usd.id,
      end: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      tiers: [
        { amount: '100000', price: '1.25' },
        { amount: '50000', price: '2' },
      ],
      minInvestment: '1000',
      eligibleClasses: ['accredited'],
    });
    offeringId = offering.id as string;
    await f.call('POST', `/offerings/${offeringId}/launch`);
    await f.settle();
    // Two purchases: the portfolio lists subscriptions of more than 1,000 tokens and their cost.
    await f.call(
      'POST',
      `/offerings/${offeringId}/subscriptions`,
      { amount: '12000', agreement: { fullName: 'Alice Plainbuyer', consent: true, documents: [] } },
      await headersOf(a.email),
    );
    await f.settle();
    // An instruction waiting for the investor's affirmation.
    const operatorDid = (await f.call('GET', `/assets/${usd.id}`)).onChain.owner as string;
    await f.call('POST', '/settlements', {
      settlementType: { type: 'SettleOnAffirmation' },
      legs: [
        {
          type: 'Fungible',
          from: { did: operatorDid },
          to: { did: a.did },
          assetId: usd.id,
          amount: '15000',
        },
      ],
    });
    await f.settle();
  }, 120_000);

  async function headersOf(email: string): Promise<Record<string, string>> {
    const res = await portal.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email, password: INVESTOR_PASSWORD },
    });
    const cookie = res.cookies.find((c) => c.name === 'stoa_session')!;
    return { cookie: `stoa_session=${cookie.value}` };
  }

  afterAll(async () => {
    await portal?.close();
  });

  it('an investor with holdings, a subscription and a waiting instruction sees none of it in code', async () => {
    const { page, baseUrl } = portal;
    await f.login(accredited.email, INVESTOR_PASSWORD);
    for (const [name, path] of [
      ['status', '/investor'],
      ['onboarding', '/investor/onboarding'],
      ['offerings', '/investor/offerings'],
      ['offering', `/investor/offerings/${offeringId}`],
      ['portfolio', '/investor/portfolio'],
      ['instructions', '/investor/instructions'],
    ] as const) {
      await page.goto(`${baseUrl}${path}`);
      await scan(name);
    }
    // Asking for more than the balance covers: the refusal is told in the second person.
    await page.goto(`${baseUrl}/investor/offerings/${offeringId}`);
    await page.getByLabel('Tokens to buy').fill('140000');
    await page.getByRole('button', { name: 'Check eligibility' }).click();
    await page.locator('[data-test="eligibility"]').waitFor();
    await scan('offering-too-large');
    expect(seen.flatMap((s) => s.problems.map((p) => `${s.page}: ${p}`))).toEqual([]);
    expect(portal.consoleErrors).toEqual([]);
  });

  it('a non-accredited investor is refused in the second person, without rule codes', async () => {
    const { page, baseUrl } = portal;
    seen.length = 0;
    await f.login(plain.email, INVESTOR_PASSWORD);
    await page.goto(`${baseUrl}/investor/offerings/${offeringId}`);
    await page.getByLabel('Tokens to buy').fill('1000');
    await page.getByRole('button', { name: 'Check eligibility' }).click();
    const verdict = page.locator('[data-test="eligibility"]');
    await verdict
      .getByText(/you are not accredited/i)
      .first()
      .waitFor()
      .catch(async (e: unknown) => {
        await portal.screenshot('plain-offering-refused-failed');
        throw e;
      });
    // Each reason is about "you", never "the receiver" or "the investor".
    expect(await verdict.innerText()).not.toMatch(/the receiver|the investor/i);
    await scan('offering-refused');
    await page.goto(`${baseUrl}/investor/portfolio`);
    await scan('portfolio-plain');
    expect(seen.flatMap((s) => s.problems.map((p) => `${s.page}: ${p}`))).toEqual([]);
    expect(portal.consoleErrors).toEqual([]);
  });

  it('a new investor who saves an incomplete form reads what to fix, field by field', async () => {
    const { page, baseUrl } = portal;
    seen.length = 0;
    await page.context().clearCookies();
    await page.evaluate('localStorage.clear()');
    await page.goto(`${baseUrl}/signup`);
    await page.getByLabel('Full name').fill('Nora Newcomer');
    await page.getByLabel('Email').fill('nora@investor.example');
    await page.getByLabel('Password').fill(INVESTOR_PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Check your e-mail').waitFor();
    // The investor opens the confirmation link mailed to them.
    await page.goto(await mailedLink(portal, 'nora@investor.example', '/verify-email'));
    await page.getByRole('heading', { name: 'Personal data' }).waitFor();
    await page.getByLabel('First name').fill('Nora');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.getByText('Some fields need attention').waitFor();
    await page.getByText('Last name is required.').waitFor();
    await scan('onboarding-errors');
    expect(seen.flatMap((s) => s.problems.map((p) => `${s.page}: ${p}`))).toEqual([]);
    // The refused save is a 400 the browser logs as a failed resource; nothing else may be logged.
    expect(portal.consoleErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });
});
