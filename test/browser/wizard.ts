import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { ADMIN_TOKEN } from '../../server/test/helpers.js';
import { mailedLink, type Portal } from './harness.js';

export const PDF = Buffer.from(
  '%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
);
// A 1×1 PNG: signature, IHDR, IDAT, IEND.
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

export interface Applicant {
  first: string;
  last: string;
  email: string;
  password: string;
  investorType: 'accredited' | 'retail';
  /** Annual income and net worth stated on the accreditation step. */
  income: string;
  netWorth: string;
  /** How an accredited investor qualifies (with evidence); none for retail investors. */
  qualifies?: 'income' | 'net-worth';
  /** Runs on the personal-data step before it is saved (e.g. to try a refused date of birth). */
  beforeSavingPersonalData?: () => Promise<void>;
}

/** Signs up in the portal and opens the confirmation link mailed to the applicant. */
export async function signUpAndConfirm(portal: Portal, who: Applicant): Promise<void> {
  const { page, baseUrl } = portal;
  await page.goto(`${baseUrl}/signup`);
  await page.getByLabel('Full name').fill(`${who.first} ${who.last}`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText('Check your e-mail').waitFor();
  await page.goto(await mailedLink(portal, who.email, '/verify-email'));
  await page.getByRole('heading', { name: 'Personal data' }).waitFor();
}

/**
 * Walks the onboarding wizard from the personal data to the review step, as an applicant in
 * the United States with an identity document and a proof of address.
 */
export async function fillWizard(page: Page, who: Applicant): Promise<void> {
  await page.getByLabel('First name').fill(who.first);
  await page.getByLabel('Last name').fill(who.last);
  await page.getByLabel('Date of birth').fill('1979-04-12');
  await page.getByLabel('Street address').fill('12 Harbor Rd');
  await page.getByLabel('City').fill('Portland');
  await page.getByLabel('Postal code').fill('97201');
  await page.getByLabel('Country', { exact: true }).selectOption('US');
  await page.getByLabel('Country of residence').selectOption('US');
  await page.getByLabel('Citizenship').selectOption('US');
  await page.getByLabel('Tax residency').selectOption('US');
  await page.getByLabel('Investor type').selectOption(who.investorType);
  await who.beforeSavingPersonalData?.();
  await page.getByRole('button', { name: 'Save and continue' }).click();

  await page.getByRole('heading', { name: 'Documents' }).waitFor();
  await page
    .getByLabel('Identity document')
    .setInputFiles({ name: 'passport.pdf', mimeType: 'application/pdf', buffer: PDF });
  await page.getByText('passport.pdf').waitFor();
  await page
    .getByLabel('Proof of address')
    .setInputFiles({ name: 'utility-bill.png', mimeType: 'image/png', buffer: PNG });
  await page.getByText('utility-bill.png').waitFor();
  await page.getByRole('button', { name: 'Continue' }).click();

  await page.getByRole('heading', { name: 'Accreditation' }).waitFor();
  await page.getByLabel('Annual income').fill(who.income);
  await page.getByLabel('Net worth').fill(who.netWorth);
  if (who.qualifies) {
    await page.getByLabel('How you qualify').selectOption(who.qualifies);
    await page
      .getByLabel('Accreditation evidence')
      .setInputFiles({ name: 'w2.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByText('w2.pdf').waitFor();
  }
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await page.getByRole('heading', { name: 'Review and submit' }).waitFor();
}

/** A staff account made by the bootstrap operator (the one account made outside the portal). */
export async function createStaff(
  baseUrl: string,
  who: { name: string; email: string; password: string },
  role: string,
): Promise<void> {
  const res = await fetch(`${baseUrl}/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email: who.email, password: who.password, displayName: who.name, roles: [role] }),
  });
  expect(res.status).toBe(201);
}

export async function signIn(page: Page, baseUrl: string, who: { email: string; password: string }) {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}
