export * from './ledger.js';
export { LEDGER_ERROR_CODES } from './errors.js';
export { createLedger, type LedgerConfig } from './factory.js';
export { TRANSFER_ERRORS, KNOWN_ASSET_TYPES, SCOPED_CLAIM_TYPES } from './types.js';
export type * from './calls-settlement.js';
export type * from './calls-corporate.js';
export { receiptMessage, type ReceiptFields } from './receipts.js';
export { identifierProblem, isValidIdentifier, type IdentifierType } from './identifiers.js';
export { fromUnits, mulUnits, ONE_UNIT, unitsOf } from './units.js';
