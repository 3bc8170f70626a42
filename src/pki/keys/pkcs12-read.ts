import forge from 'node-forge';

/** The certificates of a PKCS#12 bundle: the end entity and the rest (its chain). */
export interface Pkcs12Certificates {
  leaf: Buffer;
  chain: Buffer[];
}

/**
 * Read the certificates out of a PKCS#12 bundle (RSA or EC; openssl's and bxg's). The private
 * key in it is decrypted by node-forge as part of reading the bundle but never returned or
 * kept: the trust store stores certificates only. The leaf is the certificate whose
 * localKeyId matches the key's, else the first one that is not a CA.
 * @throws Error on a wrong password or a malformed bundle.
 */
export function certificatesFromPkcs12(data: Uint8Array, password: string): Pkcs12Certificates {
  const p12Asn1 = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(data).toString('binary')));
  const p12 = forge.pkcs12.pkcs12FromAsn1(p12Asn1, false, password);
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[forge.pki.oids.pkcs8ShroudedKeyBag!] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag! })[forge.pki.oids.keyBag!] ?? []),
  ];
  const der = (bag: forge.pkcs12.Bag): Buffer => {
    // forge parses RSA certificates only; for others it keeps the ASN.1 (`bag.asn1`).
    const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : (bag as unknown as { asn1: forge.asn1.Asn1 }).asn1;
    return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
  };
  const certs = certBags.map((b) => ({ der: der(b), localKeyId: b.attributes?.localKeyId?.[0] as string | undefined }));
  if (!certs.length) throw new Error('the PKCS#12 bundle holds no certificate');
  const keyIds = new Set(keyBags.map((k) => k.attributes?.localKeyId?.[0] as string | undefined).filter((x): x is string => !!x));
  let leafIndex = certs.findIndex((c) => c.localKeyId && keyIds.has(c.localKeyId));
  if (leafIndex < 0) leafIndex = 0;
  const leaf = certs[leafIndex]!.der;
  return { leaf, chain: certs.filter((_, i) => i !== leafIndex).map((c) => c.der) };
}
