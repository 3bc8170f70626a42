/** A realistic e-CO-like document of about `targetBytes` bytes (namespaces, attributes, non-ASCII, entities). */
export function sampleXml(targetBytes = 5 * 1024): Buffer {
  const head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    + '<eco:Certificate xmlns:eco="urn:bxg:eco.certificate:1" xmlns:x="urn:example:ext" id="c1" version="1.0.0">\n'
    + '  <eco:Header>\n    <eco:MessageId>3f2a6c1e-0b7d-4d0e-9c5b-8a1f2e3d4c5b</eco:MessageId>\n'
    + '    <eco:Issuer party="KR:KCS">Korea Customs Service</eco:Issuer>\n'
    + '    <eco:Importer party="VN:GDVC">General Department of Vietnam Customs</eco:Importer>\n'
    + '    <eco:IssuedAt>2026-11-25T10:00:00Z</eco:IssuedAt>\n  </eco:Header>\n  <eco:Items>\n';
  const tail = '  </eco:Items>\n  <x:Note lang="ko">원산지 증명서 — “quoted” &amp; &lt;escaped&gt;</x:Note>\n</eco:Certificate>\n';
  let items = '';
  for (let i = 1; head.length + items.length + tail.length < targetBytes; i++) {
    items += `    <eco:Item id="i${i}" seq="${i}">\n      <eco:Hs>0306.17</eco:Hs>\n`
      + `      <eco:Description>Frozen shrimp &amp; prawns, lot ${i} — 冷凍エビ</eco:Description>\n`
      + `      <eco:Quantity unit="kg">${i * 125}.5</eco:Quantity>\n      <eco:Origin>KR</eco:Origin>\n    </eco:Item>\n`;
  }
  return Buffer.from(head + items + tail, 'utf8');
}
