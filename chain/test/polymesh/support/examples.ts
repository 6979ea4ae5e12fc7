/*
 * Example arguments for every port call (at least one each, the variants that take a
 * different chain path too), and chain reads for the preparers that read state. The mapped
 * type makes a call without examples a compile error.
 */
import type { CallArgs, CallName } from '../../../src/calls.js';
import type { ChainReads, FoundAuthorization } from '../../../src/polymesh/dispatch/index.js';

export const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
export const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
export const DID_A = `0x${'11'.repeat(32)}`;
export const DID_B = `0x${'22'.repeat(32)}`;
export const ASSET = '67e55044-10b1-426f-9247-bb680e5fe0c8';
export const CURRENCY = '0c8e1a5f-2d3b-8a4c-9e5f-6a7b8c9d0e1f';
export const NEXT_ASSET = 'a1b2c3d4-e5f6-8a7b-9c8d-0e1f2a3b4c5d';
const T1 = '2026-12-01T10:00:00.000Z';
const T2 = '2026-12-31T10:00:00.000Z';

const AUTHS: Record<number, FoundAuthorization> = {
  1: { id: 1, target: { Account: ALICE }, type: 'JoinIdentity', expiry: null, authorizedBy: DID_B },
  2: { id: 2, target: { Identity: DID_A }, type: 'BecomeAgent', expiry: T2, authorizedBy: DID_B },
  3: { id: 3, target: { Identity: DID_A }, type: 'PortfolioCustody', expiry: null, authorizedBy: DID_B },
  4: {
    id: 4,
    target: { Identity: DID_A },
    type: 'TransferAssetOwnership',
    expiry: null,
    authorizedBy: DID_B,
  },
  /** Sent by the signer's DID to another account: the signer may withdraw it, not accept it. */
  5: { id: 5, target: { Account: BOB }, type: 'JoinIdentity', expiry: null, authorizedBy: DID_A },
};

export const reads: ChainReads = {
  signerDid: async () => DID_A,
  authorization: async (id) => AUTHS[id] ?? null,
  instructionLegs: async () => [
    {
      id: 0,
      type: 'Fungible',
      from: { did: DID_A },
      to: { did: DID_B, number: 2 },
      assetId: ASSET,
      amount: '10',
    },
    { id: 1, type: 'OffChain', from: DID_B, to: DID_A, ticker: 'USD', amount: '25.5' },
  ],
  documentIds: async () => [0, 3],
  nextAssetId: async () => NEXT_ASSET,
  claimExists: async () => true,
  now: async () => new Date(T1),
};

const scope = { type: 'Asset', value: ASSET } as const;
const claims = [
  { type: 'Accredited', scope },
  { type: 'KnowYourCustomer', scope: { type: 'Identity', value: DID_B } },
  { type: 'Blocked', scope: { type: 'Custom', value: 'eu-retail' } },
  { type: 'CustomerDueDiligence' },
  { type: 'CustomerDueDiligence', id: `0x${'ab'.repeat(32)}` },
  { type: 'Jurisdiction', code: 'Us', scope },
  { type: 'Custom', customClaimTypeId: 3 },
  { type: 'Custom', customClaimTypeId: 3, scope },
] as const;

const conditions: CallArgs<'complianceManager.addComplianceRequirement'>['conditions'] = [
  { type: 'IsPresent', target: 'Receiver', claim: { type: 'KnowYourCustomer', scope } },
  { type: 'IsAbsent', target: 'Both', claim: { type: 'Blocked', scope } },
  {
    type: 'IsAnyOf',
    target: 'Sender',
    claims: [
      { type: 'Jurisdiction', code: 'De', scope },
      { type: 'Accredited', scope },
    ],
    trustedClaimIssuers: [{ identity: DID_B, trustedFor: ['Jurisdiction', 'Accredited'] }],
  },
  { type: 'IsNoneOf', target: 'Both', claims: [{ type: 'Exempted', scope }] },
  { type: 'IsIdentity', target: 'Sender', identity: DID_B },
  {
    type: 'IsExternalAgent',
    target: 'Receiver',
    trustedClaimIssuers: [{ identity: DID_A, trustedFor: null }],
  },
];

const legs: CallArgs<'settlement.addInstruction'>['legs'] = [
  { type: 'Fungible', from: { did: DID_A }, to: { did: DID_B, number: 2 }, assetId: ASSET, amount: '10.5' },
  { type: 'OffChain', from: DID_B, to: DID_A, ticker: 'USD', amount: '25.5' },
];

const inner = [
  { name: 'system.remark', args: { remark: 'anchor' } },
  {
    name: 'asset.createAsset',
    args: { name: 'Bond', assetType: 'FixedIncome', divisible: true, ticker: 'BOND' },
  },
  { name: 'asset.issue', args: { assetId: ASSET, amount: '100' } },
] as const;

export const EXAMPLES: { [K in CallName]: CallArgs<K>[] } = {
  'system.remark': [{ remark: 'merkle root 0x01' }],
  'balances.transfer': [
    { to: BOB, amount: '12.345678' },
    { to: BOB, amount: '1', memo: 'invoice 7' },
  ],
  'identity.cddRegisterDid': [
    { targetAccount: BOB },
    { targetAccount: BOB, secondaryKeys: [ALICE], cddClaim: true, expiry: T2 },
  ],
  'identity.addClaim': claims.map((claim) => ({ target: DID_B, claim, expiry: T2 })),
  'identity.editClaim': [{ target: DID_B, claim: { type: 'Accredited', scope } }],
  'identity.revokeClaim': [{ target: DID_B, claim: { type: 'Jurisdiction', code: 'Gb', scope } }],
  'identity.registerCustomClaimType': [{ name: 'Professional investor' }],
  'identity.inviteAccount': [
    { targetAccount: BOB },
    {
      targetAccount: BOB,
      permissions: {
        assets: [ASSET],
        extrinsics: ['asset.issue', 'settlement', 'asset.redeem'],
        portfolios: [{ did: DID_A, number: 1 }, { did: DID_A }],
      },
      expiry: T2,
    },
  ],
  'identity.acceptAuthorization': [{ authId: 1 }, { authId: 2 }, { authId: 3 }, { authId: 4 }],
  'identity.removeAuthorization': [{ authId: 1 }, { authId: 3 }, { authId: 5 }],
  'identity.removeSecondaryKeys': [{ accounts: [BOB] }],
  'identity.setSecondaryKeyPermissions': [
    { account: BOB, permissions: { extrinsics: ['complianceManager'] } },
  ],
  'identity.freezeSecondaryKeys': [{}],
  'identity.unfreezeSecondaryKeys': [{}],
  'identity.leaveIdentityAsKey': [{}],
  'asset.registerUniqueTicker': [{ ticker: 'ACME' }, { ticker: 'ABCDEFGHIJKL' }],
  'asset.createAsset': [
    { name: 'Acme common', assetType: 'EquityCommon', divisible: false },
    {
      name: 'Acme REIT',
      assetType: 'REIT',
      divisible: true,
      identifiers: [
        { type: 'Isin', value: 'US0378331005' },
        { type: 'Lei', value: '5493001KJTIIGC8Y1R12' },
      ],
      fundingRound: 'Series A',
      ticker: 'ACME',
      documents: [
        {
          name: 'Prospectus',
          uri: 'https://acme.example/p.pdf',
          contentHash: `0x${'cd'.repeat(32)}`,
          type: 'pdf',
          filedAt: T1,
        },
      ],
    },
    {
      name: 'Custom',
      assetType: { custom: 4 },
      divisible: true,
      identifiers: [{ type: 'Cusip', value: '037833100' }],
    },
  ],
  'asset.linkTickerToAssetId': [{ ticker: 'ACME', assetId: ASSET }],
  'asset.unlinkTickerFromAssetId': [{ ticker: 'ACME', assetId: ASSET }],
  'asset.issue': [
    { assetId: ASSET, amount: '1000000' },
    { assetId: ASSET, amount: '0.000001', portfolio: 2 },
  ],
  'asset.redeem': [
    { assetId: ASSET, amount: '5' },
    { assetId: ASSET, amount: '5', portfolio: 1 },
  ],
  'asset.freeze': [{ assetId: ASSET }],
  'asset.unfreeze': [{ assetId: ASSET }],
  'asset.controllerTransfer': [{ assetId: ASSET, amount: '3', from: { did: DID_B, number: 4 } }],
  'asset.makeDivisible': [{ assetId: ASSET }],
  'asset.renameAsset': [{ assetId: ASSET, name: 'Acme plc' }],
  'asset.setFundingRound': [{ assetId: ASSET, fundingRound: 'Series B' }],
  'asset.updateIdentifiers': [
    {
      assetId: ASSET,
      identifiers: [
        { type: 'Figi', value: 'BBG000B9XRY4' },
        { type: 'Cins', value: 'G0052B105' },
      ],
    },
  ],
  'asset.updateAssetType': [
    { assetId: ASSET, assetType: 'StableCoin' },
    { assetId: ASSET, assetType: { custom: 2 } },
  ],
  'asset.registerCustomAssetType': [{ name: 'Carbon credit' }],
  'asset.setDocuments': [{ assetId: ASSET, documents: [{ name: 'Terms', uri: 'ipfs://terms' }] }],
  'asset.registerAssetMetadataLocalType': [
    { assetId: ASSET, name: 'maturity', spec: { description: 'Maturity date' } },
  ],
  'asset.setAssetMetadata': [
    { assetId: ASSET, key: { type: 'Local', id: 1 }, value: '2030-01-01' },
    {
      assetId: ASSET,
      key: { type: 'Global', id: 2 },
      value: 'x',
      details: { expiry: T2, lockStatus: { type: 'LockedUntil', until: T2 } },
    },
  ],
  'asset.setAssetMetadataDetails': [
    { assetId: ASSET, key: { type: 'Local', id: 1 }, details: { lockStatus: { type: 'Locked' } } },
  ],
  'asset.transferOwnership': [{ assetId: ASSET, target: DID_B, expiry: T2 }],
  'externalAgents.createGroup': [
    {
      assetId: ASSET,
      permissions: { type: 'Include', values: ['asset.issue', 'asset.redeem', 'settlement'] },
    },
  ],
  'externalAgents.setGroupPermissions': [
    { assetId: ASSET, groupId: 1, permissions: { type: 'Exclude', values: ['sto'] } },
  ],
  'externalAgents.addAuthorization': [
    { assetId: ASSET, target: DID_B, group: { type: 'Full' } },
    { assetId: ASSET, target: DID_B, group: { type: 'PolymeshV1CAA' }, expiry: T2 },
    { assetId: ASSET, target: DID_B, group: { type: 'Custom', id: 3 } },
  ],
  'externalAgents.removeAgent': [{ assetId: ASSET, agent: DID_B }],
  'externalAgents.changeGroup': [
    { assetId: ASSET, agent: DID_B, group: { type: 'ExceptMeta' } },
    { assetId: ASSET, agent: DID_B, group: { type: 'PolymeshV1PIA' } },
  ],
  'externalAgents.abdicate': [{ assetId: ASSET }],
  'portfolio.createPortfolio': [{ name: 'Treasury' }],
  'portfolio.deletePortfolio': [{ number: 2 }],
  'portfolio.renamePortfolio': [{ number: 2, name: 'Reserve' }],
  'portfolio.movePortfolioFunds': [
    {
      from: { did: DID_A },
      to: { did: DID_A, number: 2 },
      items: [
        { assetId: ASSET, amount: '7' },
        { assetId: CURRENCY, amount: '1.5', memo: 'top up' },
      ],
    },
  ],
  'portfolio.setCustodian': [
    { portfolio: { did: DID_A }, target: DID_B },
    { portfolio: { did: DID_A, number: 2 }, target: DID_B, expiry: T2 },
  ],
  'portfolio.quitPortfolioCustody': [{ portfolio: { did: DID_B, number: 1 } }],
  'complianceManager.addComplianceRequirement': [{ assetId: ASSET, conditions }],
  'complianceManager.replaceAssetCompliance': [
    { assetId: ASSET, requirements: [conditions.slice(0, 2), conditions.slice(2)] },
  ],
  'complianceManager.changeComplianceRequirement': [
    { assetId: ASSET, id: 2, conditions: conditions.slice(4) },
  ],
  'complianceManager.removeComplianceRequirement': [{ assetId: ASSET, id: 1 }],
  'complianceManager.resetAssetCompliance': [{ assetId: ASSET }],
  'complianceManager.pauseAssetCompliance': [{ assetId: ASSET }],
  'complianceManager.resumeAssetCompliance': [{ assetId: ASSET }],
  'complianceManager.addDefaultTrustedClaimIssuer': [
    { assetId: ASSET, issuer: { identity: DID_B, trustedFor: null } },
    { assetId: ASSET, issuer: { identity: DID_B, trustedFor: ['KnowYourCustomer', 'CustomerDueDiligence'] } },
  ],
  'complianceManager.removeDefaultTrustedClaimIssuer': [{ assetId: ASSET, issuer: DID_B }],
  'statistics.setActiveAssetStats': [
    {
      assetId: ASSET,
      stats: [{ op: 'Count' }, { op: 'Balance', claimIssuer: { claimType: 'Jurisdiction', issuer: DID_B } }],
    },
  ],
  'statistics.batchUpdateAssetStats': [
    { assetId: ASSET, stat: { op: 'Count' }, values: [{ key: { type: 'NoClaimStat' }, value: '12' }] },
    {
      assetId: ASSET,
      stat: { op: 'Balance', claimIssuer: { claimType: 'Accredited', issuer: DID_B } },
      values: [
        { key: { type: 'Accredited', value: true }, value: '100.5' },
        { key: { type: 'Jurisdiction', value: 'Us' }, value: '1' },
        { key: { type: 'Jurisdiction', value: null }, value: '0' },
      ],
    },
  ],
  'statistics.setAssetTransferCompliance': [
    {
      assetId: ASSET,
      conditions: [
        { type: 'MaxInvestorCount', count: 50 },
        { type: 'MaxInvestorOwnership', percentage: '12.5' },
        {
          type: 'ClaimCount',
          claim: { type: 'Accredited', accredited: true },
          issuer: DID_B,
          min: 1,
          max: 10,
        },
        {
          type: 'ClaimOwnership',
          claim: { type: 'Jurisdiction', countryCode: 'Ch' },
          issuer: DID_B,
          min: '0',
          max: '33.3333',
        },
      ],
    },
  ],
  'statistics.setEntitiesExempt': [
    { assetId: ASSET, isExempt: true, key: { op: 'Count' }, entities: [DID_B, DID_A] },
    { assetId: ASSET, isExempt: false, key: { op: 'Balance', claimType: 'Affiliate' }, entities: [DID_B] },
  ],
  'utility.batch': [{ calls: [...inner] }],
  'utility.batchAll': [{ calls: [...inner] }],
  'utility.forceBatch': [{ calls: [...inner, { name: 'utility.batch', args: { calls: [inner[0]] } }] }],
  'settlement.createVenue': [
    { details: 'OTC desk', type: 'Exchange' },
    { details: 'STO', type: 'Sto', signers: [ALICE, BOB] },
  ],
  'settlement.updateVenueDetails': [{ venueId: 1, details: 'Desk 2' }],
  'settlement.updateVenueType': [{ venueId: 1, type: 'Distribution' }],
  'settlement.updateVenueSigners': [{ venueId: 1, signers: [BOB], add: true }],
  'settlement.setVenueFiltering': [{ assetId: ASSET, enabled: true }],
  'settlement.allowVenues': [{ assetId: ASSET, venues: [1, 2] }],
  'settlement.disallowVenues': [{ assetId: ASSET, venues: [2] }],
  'settlement.addInstruction': [
    { settlementType: { type: 'SettleOnAffirmation' }, legs },
    {
      venueId: 1,
      settlementType: { type: 'SettleOnBlock', block: 500 },
      tradeDate: T1,
      valueDate: T2,
      legs,
      memo: 'trade 42',
      mediators: [DID_B],
    },
  ],
  'settlement.addAndAffirmInstruction': [
    { venueId: 1, settlementType: { type: 'SettleManual', block: 10 }, legs, portfolios: [{ did: DID_A }] },
    {
      settlementType: { type: 'SettleOnAffirmation' },
      legs,
      portfolios: [{ did: DID_A }, { did: DID_A, number: 3 }],
      mediators: [DID_B],
    },
  ],
  'settlement.affirmInstruction': [{ id: 7, portfolios: [{ did: DID_A, number: 2 }, { did: DID_A }] }],
  'settlement.affirmWithReceipts': [
    {
      id: 7,
      receipts: [
        {
          uid: 1,
          legId: 1,
          signer: ALICE,
          signature: { type: 'Sr25519', value: `0x${'12'.repeat(64)}` },
          metadata: 'ref 9',
        },
      ],
    },
    {
      id: 7,
      receipts: [
        { uid: 2, legId: 1, signer: ALICE, signature: { type: 'Ecdsa', value: `0x${'12'.repeat(65)}` } },
      ],
      portfolios: [{ did: DID_A }],
    },
  ],
  'settlement.withdrawAffirmation': [{ id: 7, portfolios: [{ did: DID_A }] }],
  'settlement.rejectInstruction': [{ id: 7, portfolio: { did: DID_A } }],
  'settlement.affirmInstructionAsMediator': [{ id: 7 }, { id: 7, expiry: T2 }],
  'settlement.withdrawAffirmationAsMediator': [{ id: 7 }],
  'settlement.rejectInstructionAsMediator': [{ id: 7 }],
  'settlement.executeManualInstruction': [{ id: 7 }, { id: 7, portfolio: { did: DID_A, number: 1 } }],
  'asset.preApproveAsset': [{ assetId: ASSET }],
  'asset.removeAssetPreApproval': [{ assetId: ASSET }],
  'asset.addMandatoryMediators': [{ assetId: ASSET, mediators: [DID_B, DID_A] }],
  'asset.removeMandatoryMediators': [{ assetId: ASSET, mediators: [DID_B] }],
  'portfolio.preApprovePortfolio': [{ assetId: ASSET, portfolio: { did: DID_A, number: 2 } }],
  'portfolio.removePortfolioPreApproval': [{ assetId: ASSET, portfolio: { did: DID_A } }],
  'sto.createFundraiser': [
    {
      offeringPortfolio: { did: DID_A, number: 1 },
      assetId: ASSET,
      raisingPortfolio: { did: DID_A },
      raisingAssetId: CURRENCY,
      tiers: [
        { total: '1000', price: '1.5' },
        { total: '500', price: '2' },
      ],
      venueId: 3,
      start: T1,
      end: T2,
      minimumInvestment: '10',
      name: 'Seed round',
    },
    {
      offeringPortfolio: { did: DID_A },
      assetId: ASSET,
      raisingPortfolio: { did: DID_A },
      raisingAssetId: CURRENCY,
      tiers: [{ total: '1', price: '1' }],
      venueId: 3,
      minimumInvestment: '0',
      name: 'Open',
    },
  ],
  'sto.invest': [
    {
      investmentPortfolio: { did: DID_B },
      fundingPortfolio: { did: DID_B, number: 1 },
      assetId: ASSET,
      fundraiserId: 0,
      purchaseAmount: '20',
      maxPrice: '1.75',
    },
    {
      investmentPortfolio: { did: DID_B },
      fundingPortfolio: { did: DID_B },
      assetId: ASSET,
      fundraiserId: 2,
      purchaseAmount: '1',
    },
  ],
  'sto.freezeFundraiser': [{ assetId: ASSET, fundraiserId: 0 }],
  'sto.unfreezeFundraiser': [{ assetId: ASSET, fundraiserId: 0 }],
  'sto.modifyFundraiserWindow': [
    { assetId: ASSET, fundraiserId: 0, start: T1 },
    { assetId: ASSET, fundraiserId: 0, start: T1, end: T2 },
  ],
  'sto.stop': [{ assetId: ASSET, fundraiserId: 0 }],
  'checkpoint.createCheckpoint': [{ assetId: ASSET }],
  'checkpoint.createSchedule': [{ assetId: ASSET, points: [T2, T1, T2] }],
  'checkpoint.removeSchedule': [{ assetId: ASSET, scheduleId: 1 }],
  'corporateAction.initiateCorporateAction': [
    { assetId: ASSET, kind: 'IssuerNotice', declDate: T1, details: 'AGM' },
    {
      assetId: ASSET,
      kind: 'PredictableBenefit',
      declDate: T1,
      recordDate: { type: 'Scheduled', at: T2 },
      details: 'Dividend',
      targets: { identities: [DID_B, DID_A], treatment: 'Exclude' },
      defaultWithholdingTax: '15',
      withholdingTax: [{ did: DID_B, tax: '0.5' }],
    },
    {
      assetId: ASSET,
      kind: 'Other',
      declDate: T1,
      recordDate: { type: 'ExistingSchedule', scheduleId: 1 },
      details: '',
    },
    {
      assetId: ASSET,
      kind: 'Reorganization',
      declDate: T1,
      recordDate: { type: 'Existing', checkpointId: 2 },
      details: 'x',
    },
  ],
  'corporateAction.setDefaultTargets': [
    { assetId: ASSET, targets: { identities: [DID_B], treatment: 'Include' } },
  ],
  'corporateAction.setDefaultWithholdingTax': [{ assetId: ASSET, tax: '10.25' }],
  'corporateAction.removeCa': [{ assetId: ASSET, caId: 1 }],
  'corporateAction.changeRecordDate': [
    { assetId: ASSET, caId: 1, recordDate: { type: 'Scheduled', at: T2 } },
    { assetId: ASSET, caId: 1, recordDate: { type: 'ExistingSchedule', scheduleId: 2 } },
    { assetId: ASSET, caId: 1, recordDate: { type: 'Existing', checkpointId: 3 } },
    { assetId: ASSET, caId: 1, recordDate: null },
  ],
  'corporateAction.linkCaDoc': [
    { assetId: ASSET, caId: 1, documents: [0, 2] },
    { assetId: ASSET, caId: 1, documents: [] },
  ],
  'corporateAction.setDidWithholdingTax': [
    { assetId: ASSET, did: DID_B, tax: '5' },
    { assetId: ASSET, did: DID_B, tax: null },
  ],
  'capitalDistribution.distribute': [
    { assetId: ASSET, caId: 0, currency: CURRENCY, perShare: '0.25', amount: '1000', paymentAt: T1 },
    {
      assetId: ASSET,
      caId: 0,
      portfolio: 2,
      currency: CURRENCY,
      perShare: '1',
      amount: '10',
      paymentAt: T1,
      expiresAt: T2,
    },
  ],
  'capitalDistribution.claim': [{ assetId: ASSET, caId: 0 }],
  'capitalDistribution.pushBenefit': [{ assetId: ASSET, caId: 0, holder: DID_B }],
  'capitalDistribution.reclaim': [{ assetId: ASSET, caId: 0 }],
  'capitalDistribution.removeDistribution': [{ assetId: ASSET, caId: 0 }],
  'corporateBallot.attachBallot': [
    {
      assetId: ASSET,
      caId: 1,
      start: T1,
      end: T2,
      meta: {
        title: 'AGM 2027',
        motions: [{ title: 'Board', infoLink: 'https://acme.example/agm', choices: ['Yes', 'No'] }],
      },
      rcv: true,
    },
  ],
  'corporateBallot.vote': [
    { assetId: ASSET, caId: 1, votes: [{ power: '10' }, { power: '5', fallback: 0 }] },
  ],
  'corporateBallot.changeEnd': [{ assetId: ASSET, caId: 1, end: T2 }],
  'corporateBallot.changeMeta': [
    {
      assetId: ASSET,
      caId: 1,
      meta: {
        title: 'AGM (amended)',
        motions: [{ title: 'Approve', infoLink: 'https://example.com/m', choices: ['Yes', 'No', 'Abstain'] }],
      },
    },
  ],
  'corporateBallot.changeRcv': [{ assetId: ASSET, caId: 1, rcv: false }],
  'corporateBallot.removeBallot': [{ assetId: ASSET, caId: 1 }],
};
