import forge from 'node-forge';

/**
 * Build a password-protected PKCS#12 bundle (key + certificate chain) with node-forge's ASN.1,
 * PBES2 and MAC primitives. forge's own `toPkcs12Asn1` only takes RSA key and certificate
 * objects; this takes the PKCS#8 and certificate DER as they are, so ECDSA keys work too.
 * Key bag: PBES2/PBKDF2-SHA256/AES-256-CBC; MAC: HMAC-SHA-256 (both read by OpenSSL 3).
 * @param pkcs8Der the private key, unencrypted PKCS#8 DER.
 * @param certDers the end-entity certificate first, then its issuers.
 */
export function buildPkcs12(pkcs8Der: Uint8Array, certDers: Uint8Array[], password: string, friendlyName?: string): Buffer {
  const { asn1, pki, pkcs12, util, md, hmac, random } = forge;
  const U = asn1.Class.UNIVERSAL, T = asn1.Type;
  const bin = (b: Uint8Array) => util.binary.raw.encode(b);
  const seq = (v: forge.asn1.Asn1[]) => asn1.create(U, T.SEQUENCE, true, v);
  const oid = (o: string) => asn1.create(U, T.OID, false, asn1.oidToDer(o).getBytes());
  const octets = (s: string) => asn1.create(U, T.OCTETSTRING, false, s);
  const explicit0 = (v: forge.asn1.Asn1) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [v]);
  const dataContent = (v: forge.asn1.Asn1) => seq([oid(pki.oids.data!), explicit0(octets(asn1.toDer(v).getBytes()))]);

  const localKeyId = md.sha1.create().update(bin(certDers[0]!)).digest().getBytes();
  const attrs: forge.asn1.Asn1[] = [
    seq([oid(pki.oids.localKeyId!), asn1.create(U, T.SET, true, [octets(localKeyId)])]),
  ];
  if (friendlyName) {
    attrs.push(seq([oid(pki.oids.friendlyName!), asn1.create(U, T.SET, true, [asn1.create(U, T.BMPSTRING, false, friendlyName)])]));
  }
  const bagAttrs = () => asn1.create(U, T.SET, true, attrs);

  const certBags = certDers.map((der, i) => seq([
    oid(pki.oids.certBag!),
    explicit0(seq([oid(pki.oids.x509Certificate!), explicit0(octets(bin(der)))])),
    ...(i === 0 ? [bagAttrs()] : []),
  ]));
  const keyInfo = asn1.fromDer(bin(pkcs8Der));
  const encrypted = pki.encryptPrivateKeyInfo(keyInfo, password, { algorithm: 'aes256', count: 10_000, prfAlgorithm: 'sha256' } as Parameters<typeof pki.encryptPrivateKeyInfo>[2]);
  const keyBag = seq([oid(pki.oids.pkcs8ShroudedKeyBag!), explicit0(encrypted), bagAttrs()]);

  const safe = seq([dataContent(seq(certBags)), dataContent(seq([keyBag]))]);
  const safeDer = asn1.toDer(safe).getBytes();

  // MacData: HMAC-SHA-256 with the PKCS#12 key derivation (RFC 7292 appendix B).
  const salt = random.getBytesSync(16);
  const count = 10_000;
  const macKey = pkcs12.generateKey(password, util.createBuffer(salt), 3, count, 32, md.sha256.create());
  const mac = hmac.create();
  mac.start(md.sha256.create(), macKey);
  mac.update(safeDer);
  const macData = seq([
    seq([seq([oid(pki.oids.sha256!), asn1.create(U, T.NULL, false, '')]), octets(mac.getMac().getBytes())]),
    octets(salt),
    asn1.create(U, T.INTEGER, false, asn1.integerToDer(count).getBytes()),
  ]);
  const pfx = seq([
    asn1.create(U, T.INTEGER, false, asn1.integerToDer(3).getBytes()),
    seq([oid(pki.oids.data!), explicit0(octets(safeDer))]),
    macData,
  ]);
  return Buffer.from(asn1.toDer(pfx).getBytes(), 'binary');
}
