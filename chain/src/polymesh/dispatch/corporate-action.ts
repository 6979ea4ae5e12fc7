import { LedgerError } from '../../errors.js';
import type { LedgerEvent } from '../../ledger.js';
import { toChainCaId, toChainRecordDate, toChainTargets, toChainTaxes } from '../mappers/corporate.js';
import { assetIdToHex, percentToPermill, toMoment } from '../mappers/values.js';
import { eventData, idField, none, one, type PreparerTable } from './types.js';

/** `localId` of a sanitised `CAId { assetId, localId }`. */
function caLocalId(caId: unknown): number {
  if (typeof caId === 'object' && caId !== null && 'localId' in caId)
    return idField(caId.localId, 'CA local id');
  throw new LedgerError('ValidationError', 'Corporate action event without a CA id');
}

export function caInitiated(events: LedgerEvent[]): { caId: number } {
  return { caId: caLocalId(eventData(events, 'corporateAction', 'CAInitiated').caId) };
}

export const corporateAction = {
  'corporateAction.initiateCorporateAction': async (ctx, a) =>
    one(
      ctx.tx.corporateAction.initiateCorporateAction(
        assetIdToHex(a.assetId),
        a.kind,
        toMoment(a.declDate),
        a.recordDate ? toChainRecordDate(a.recordDate) : null,
        a.details,
        a.targets ? toChainTargets(a.targets) : null,
        a.defaultWithholdingTax === undefined
          ? null
          : percentToPermill(a.defaultWithholdingTax, 'defaultWithholdingTax'),
        a.withholdingTax ? toChainTaxes(a.withholdingTax) : null,
      ),
      caInitiated,
    ),
  'corporateAction.setDefaultTargets': async (ctx, { assetId, targets }) =>
    one(ctx.tx.corporateAction.setDefaultTargets(assetIdToHex(assetId), toChainTargets(targets)), none),
  'corporateAction.setDefaultWithholdingTax': async (ctx, { assetId, tax }) =>
    one(
      ctx.tx.corporateAction.setDefaultWithholdingTax(assetIdToHex(assetId), percentToPermill(tax, 'tax')),
      none,
    ),
  'corporateAction.setDidWithholdingTax': async (ctx, { assetId, did, tax }) =>
    one(
      ctx.tx.corporateAction.setDidWithholdingTax(
        assetIdToHex(assetId),
        did,
        tax === null ? null : percentToPermill(tax, 'tax'),
      ),
      none,
    ),
  /** `remove_ca(ca_id)`: the CA with its ballot or distribution and its document links. */
  'corporateAction.removeCa': async (ctx, { assetId, caId }) =>
    one(ctx.tx.corporateAction.removeCa(toChainCaId(assetId, caId)), none),
  /** `change_record_date(ca_id, Option<RecordDateSpec>)`. */
  'corporateAction.changeRecordDate': async (ctx, { assetId, caId, recordDate }) =>
    one(
      ctx.tx.corporateAction.changeRecordDate(
        toChainCaId(assetId, caId),
        recordDate === null ? null : toChainRecordDate(recordDate),
      ),
      none,
    ),
  /** `link_ca_doc(id, docs)`: replaces the CA's linked document ids. */
  'corporateAction.linkCaDoc': async (ctx, { assetId, caId, documents }) =>
    one(ctx.tx.corporateAction.linkCaDoc(toChainCaId(assetId, caId), documents), none),
} satisfies PreparerTable<'corporateAction'>;
