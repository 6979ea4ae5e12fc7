import { BaseSchema } from './base.js';
import { ChainOperationSchema } from '../modules/operations/entity.js';
import { AuditEntrySchema } from '../modules/audit/entity.js';

/** Every entity schema the ORM knows. Add new modules' schemas here. */
export const entities = [BaseSchema, ChainOperationSchema, AuditEntrySchema];
