/** The vendor's sanctions / PEP / adverse-media result in one line, from whatever shape it has. */
export function screeningHits(screening: unknown): string {
  if (typeof screening !== 'object' || screening === null) return 'Not screened yet';
  const s = screening as Record<string, unknown>;
  const hits = [
    s.sanctionsHit === true ? 'sanctions' : null,
    s.pepHit === true ? 'politically exposed person' : null,
    s.adverseMediaHit === true ? 'adverse media' : null,
  ].filter((h): h is string => h !== null);
  return hits.length ? `Hit: ${hits.join(', ')}` : 'No hits';
}
