export type BadgeVariant = 'neutral' | 'info' | 'success' | 'warning' | 'danger';
