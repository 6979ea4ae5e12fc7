import type { BadgeVariant } from '../ui/badge';

const STATUS: Record<string, { label: string; variant: BadgeVariant }> = {
  creating: { label: 'Creating', variant: 'info' },
  active: { label: 'Active', variant: 'success' },
  failed: { label: 'Failed', variant: 'danger' },
};

export function assetStatus(status: string): { label: string; variant: BadgeVariant } {
  return STATUS[status] ?? { label: status, variant: 'neutral' };
}
