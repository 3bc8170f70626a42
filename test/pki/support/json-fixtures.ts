/** A realistic e-CO-like JSON document of about `targetBytes` bytes (as compact JSON). */
export function sampleJson(targetBytes = 3 * 1024): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    documentType: 'eco.certificate',
    version: '1.0.0',
    header: {
      messageId: '3f2a6c1e-0b7d-4d0e-9c5b-8a1f2e3d4c5b',
      sender: 'KR:KCS',
      receiver: 'VN:GDVC',
      createdAt: '2026-11-25T10:00:00Z',
    },
    certificateNumber: 'KR-2026-000123',
    exportingCountry: 'KR',
    importingCountry: 'VN',
    remarks: '원산지 증명서 — “quoted” & <escaped> \u00e9\u{1F600}',
    goodsItems: [] as unknown[],
  };
  const items = doc.goodsItems as unknown[];
  for (let i = 1; JSON.stringify(doc).length < targetBytes; i++) {
    items.push({ sequence: i, hsCode: '030617', description: `Frozen shrimp & prawns, lot ${i} — 冷凍エビ`, quantity: { value: i * 125.5, unit: 'KGM' }, origin: 'KR', fob: 1e21 + i, ratio: 0.1 * i });
  }
  return doc;
}
