/** Every role a principal can hold. `admin` is the platform operator and passes every check. */
export const ROLES = [
  'admin',
  'issuer-admin',
  'compliance-officer',
  'transfer-agent',
  'investor',
  'cdd-provider',
  'auditor',
  'treasury',
  /** A licensed external venue's operator (broker-dealer, ATS): its venue's API only. */
  'venue-operator',
] as const;
export type Role = (typeof ROLES)[number];

/**
 * The role matrix: who may do what. Routes use these lists (never ad-hoc role strings), and
 * server/test/roles.matrix.test.ts proves every mutating route refuses every other role.
 */
export const CAN = {
  manageUsers: ['admin'],
  /** Read and move the development chain's clock (embedded ledger, outside production). */
  moveChainClock: ['admin'],
  readUsers: ['admin', 'auditor'],
  /** Investors fill in and submit their own application. */
  applyForOnboarding: ['investor'],
  /** Read applications and their documents (beyond one's own). */
  reviewApplications: ['compliance-officer', 'cdd-provider', 'auditor'],
  /** Move applications through review, review accreditation. */
  decideApplications: ['compliance-officer', 'cdd-provider'],
  /** Attest identities on chain, reject, revoke. */
  attest: ['cdd-provider'],
  readIdentities: ['compliance-officer', 'cdd-provider', 'auditor', 'issuer-admin', 'transfer-agent'],
  runExpiryScan: ['compliance-officer'],
  /** Read, verify and export the audit trail. */
  readAudit: ['auditor', 'compliance-officer'],
  /** Anchor the audit trail on chain now (it also happens on a timer). */
  anchorAudit: ['compliance-officer'],
  /** Read an asset's cap table (holders with their identities). */
  readHolders: ['issuer-admin', 'compliance-officer', 'transfer-agent', 'auditor'],
  /** Take checkpoints (record dates) of an asset, now or on a schedule. */
  takeCheckpoints: ['issuer-admin', 'transfer-agent'],
  /** Set an issuer's withholding rates for distributions. */
  setWithholding: ['issuer-admin'],
  /** Record the tax forms (W-9, W-8BEN) investors give. */
  recordTaxForms: ['transfer-agent', 'compliance-officer'],
  /** Read the change history of an asset's compliance rules. */
  readRuleHistory: ['issuer-admin', 'compliance-officer', 'transfer-agent', 'auditor'],
  /** See who invested in an offering. */
  readOfferingInvestors: ['issuer-admin', 'compliance-officer', 'transfer-agent', 'auditor'],
  /** Subscribe to offerings (staff for an investor, investors for themselves) and dry-run it. */
  subscribe: ['investor', 'issuer-admin', 'transfer-agent'],
  /** Subscribe (and dry-run) for an investor other than oneself: offerings/policy.ts. */
  subscribeForOthers: ['issuer-admin', 'transfer-agent'],
  /** Read one's own holdings, subscriptions and pending instructions. */
  readOwnPortfolio: ['investor'],
  /**
   * Pre-trade checks of any transfer of any asset, with every reason (compliance/policy.ts).
   * Venue operators check the trades their venue matches (POST /venue/pretrade-checks).
   */
  checkAnyTransfer: [
    'issuer-admin',
    'compliance-officer',
    'transfer-agent',
    'cdd-provider',
    'auditor',
    'venue-operator',
  ],
  /** Pre-trade checks: staff as above; investors only of transfers they send or receive. */
  checkTransfers: [
    'investor',
    'issuer-admin',
    'compliance-officer',
    'transfer-agent',
    'cdd-provider',
    'auditor',
  ],
  /** Affirm or reject settlement instructions: staff for custodial accounts, investors for their own. */
  affirmInstructions: ['issuer-admin', 'transfer-agent', 'investor'],
  /** Place orders on the ATS (investors, for themselves). */
  trade: ['investor'],
  /** Cancel orders: investors their own, staff any (a market-conduct intervention, audited). */
  cancelOrders: ['investor', 'issuer-admin', 'transfer-agent', 'compliance-officer'],
  /** Read every investor's orders and trades of an asset (the blotter). */
  readOrders: ['issuer-admin', 'transfer-agent', 'compliance-officer', 'auditor'],
  /** Set an asset's trading rules: price band, mandatory transfer-agent approval. */
  tradingSettings: ['issuer-admin'],
  /** Approve (as the mediator) each trade of an asset that requires it. */
  mediateTrades: ['transfer-agent'],
  /** Record deposits received in the platform's bank account; mark withdrawals paid out. */
  moveMoney: ['treasury'],
  /** Read every investor's deposits and withdrawals. */
  readTreasury: ['treasury', 'auditor'],
  /** See one's own deposit instructions, money history; ask for a withdrawal. */
  ownMoney: ['investor'],
  /** Register venues, change their signers. */
  manageVenues: ['admin'],
  /** List venues and an asset's venue approvals and trading controls. */
  readVenues: ['issuer-admin', 'compliance-officer', 'transfer-agent', 'auditor'],
  /** Approve or revoke venues per asset (venue filtering on chain). */
  approveVenues: ['issuer-admin'],
  /** Halt and resume trading in an asset, set its trading window. */
  haltTrading: ['issuer-admin', 'compliance-officer'],
  /** The external venue API (pre-trade checks, trades, webhooks): the venue's own only. */
  operateVenue: ['venue-operator'],
  /** Let a venue settle for oneself (the platform affirms the venue's trades), or withdraw it. */
  authoriseVenues: ['investor'],
} as const satisfies Record<string, readonly Role[]>;

/**
 * True when every role the principal holds is `investor` (or it holds none): such principals
 * see only their own records. Any staff role (or admin) sees the platform's.
 */
export function investorOnly(principal: { roles: readonly Role[] }): boolean {
  return principal.roles.every((r) => r === 'investor');
}

/** True when the principal is admin or holds one of `roles` (the same rule as route checks). */
export function hasRole(principal: { roles: readonly Role[] }, roles: readonly Role[]): boolean {
  return principal.roles.includes('admin') || roles.some((r) => principal.roles.includes(r));
}
