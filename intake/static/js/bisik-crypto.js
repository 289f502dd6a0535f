/* Bisik crypto for the browser: the envelope, receipts and signed objects of crypto/SPEC.md,
 * composed from WebCrypto only (no libraries, no WebAssembly). The Python package crypto/
 * is the reference; tests/intake/browser/test_browser_crypto.py holds both to the same vector
 * files byte for byte.
 *
 * Exposes one namespace, globalThis.BisikCrypto. Every decryption failure rejects with a
 * BisikCrypto.DecryptionError (one type, one message: no oracle), every verification failure
 * with SignatureError, every malformed input with FormatError.
 *
 * What it leaks: an envelope shows its recipients' key ids and its Padme-padded size.
 * No primitive is written here: SHA-256, HMAC, HKDF, AES-GCM, X25519, Ed25519 and PBKDF2 are
 * WebCrypto's. An evidence envelope is never hashed while it streams (WebCrypto's digest is
 * one-shot): a document names it by its header MAC, which sealStream returns, and by the SHA-256
 * the server computed on upload (crypto/SPEC.md §8).
 */
(function (root) {
  "use strict";

  var subtle = root.crypto && root.crypto.subtle;
  var enc = new TextEncoder();
  var dec = new TextDecoder("utf-8", { fatal: true });

  // ---------------------------------------------------------------- errors
  function makeError(name) {
    function E(message) {
      var e = new Error(message || name);
      Object.setPrototypeOf(e, E.prototype);
      e.name = name;
      return e;
    }
    E.prototype = Object.create(Error.prototype);
    E.prototype.constructor = E;
    E.prototype.name = name;
    return E;
  }
  var DecryptionError = makeError("DecryptionError");
  var FormatError = makeError("FormatError");
  var SignatureError = makeError("SignatureError");
  var ReceiptError = makeError("ReceiptError");

  // ---------------------------------------------------------------- bytes
  function concat(parts) {
    var n = 0, i;
    for (i = 0; i < parts.length; i++) n += parts[i].length;
    var out = new Uint8Array(n), off = 0;
    for (i = 0; i < parts.length; i++) { out.set(parts[i], off); off += parts[i].length; }
    return out;
  }
  function utf8(s) { return enc.encode(s); }
  function u16be(n) { return new Uint8Array([(n >>> 8) & 255, n & 255]); }
  function equalBytes(a, b) {
    if (a.length !== b.length) return false;
    var d = 0;
    for (var i = 0; i < a.length; i++) d |= a[i] ^ b[i];
    return d === 0;
  }
  function toHex(b) {
    var s = "";
    for (var i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16);
    return s;
  }
  function fromHex(h) {
    if (typeof h !== "string" || h.length % 2 || /[^0-9a-fA-F]/.test(h)) throw new FormatError("bad hex");
    var out = new Uint8Array(h.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(h.substr(i * 2, 2), 16);
    return out;
  }
  var B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  function b64uEncode(b) {
    var s = "", i;
    for (i = 0; i + 2 < b.length; i += 3) {
      var n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
      s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
    }
    if (b.length - i === 1) {
      s += B64[b[i] >> 2] + B64[(b[i] & 3) << 4];
    } else if (b.length - i === 2) {
      var m = (b[i] << 8) | b[i + 1];
      s += B64[m >> 10] + B64[(m >> 4) & 63] + B64[(m & 15) << 2];
    }
    return s;
  }
  /** Strict unpadded base64url: non-canonical text is rejected, as in crypto/encoding.py. */
  function b64uDecode(s, length) {
    if (typeof s !== "string" || s.length % 4 === 1 || /[^A-Za-z0-9_-]/.test(s)) {
      throw new FormatError("expected unpadded base64url text");
    }
    var out = new Uint8Array(Math.floor(s.length * 3 / 4)), o = 0, acc = 0, bits = 0;
    for (var i = 0; i < s.length; i++) {
      acc = (acc << 6) | B64.indexOf(s[i]);
      bits += 6;
      if (bits >= 8) { bits -= 8; out[o++] = (acc >> bits) & 255; }
    }
    if (b64uEncode(out) !== s) throw new FormatError("non-canonical base64url text");
    if (length !== undefined && out.length !== length) throw new FormatError("wrong length");
    return out;
  }

  /** Canonical JSON as crypto/encoding.py writes it: sorted keys, no spaces, UTF-8. */
  function canonicalJson(v) {
    if (v === null || typeof v !== "object") return JSON.stringify(v);
    if (Array.isArray(v)) return "[" + v.map(canonicalJson).join(",") + "]";
    var keys = Object.keys(v).filter(function (k) { return v[k] !== undefined; }).sort();
    return "{" + keys.map(function (k) { return JSON.stringify(k) + ":" + canonicalJson(v[k]); }).join(",") + "}";
  }
  function parseJsonObject(bytes, maxSize) {
    if (bytes.length > maxSize) throw new FormatError("document too large");
    var obj, text;
    try { text = dec.decode(bytes); obj = JSON.parse(text); } catch (e) { throw new FormatError("not a UTF-8 JSON document"); }
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) throw new FormatError("expected a JSON object");
    // As crypto/encoding.py: "\\ud800" escapes decode to lone surrogates, text no UTF-8 writer
    // can store again; only documents holding such an escape pay for the walk.
    if (SURROGATE_ESCAPE.test(text) && !wellFormed(obj)) throw new FormatError("JSON text holds an unpaired surrogate");
    return obj;
  }
  var SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
  var LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  function wellFormed(v) {
    if (typeof v === "string") return !LONE_SURROGATE.test(v);
    if (v === null || typeof v !== "object") return true;
    return Object.keys(v).every(function (k) { return wellFormed(k) && wellFormed(v[k]); });
  }

  // ---------------------------------------------------------------- SHA-256 (one-shot)
  /** SHA-256 of bytes held in memory (keys ids, receipts, small envelopes such as replies). */
  async function sha256(data) { return new Uint8Array(await subtle.digest("SHA-256", data)); }

  // ---------------------------------------------------------------- HMAC / HKDF
  async function hmac(key, data) {
    // An empty HMAC key equals 32 zero bytes (both are zero-padded to the block size), and
    // WebCrypto refuses empty keys, so the empty salt of RFC 5869 / RFC 9180 becomes zeros.
    var raw = key.length ? key : new Uint8Array(32);
    var k = await subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return new Uint8Array(await subtle.sign("HMAC", k, data));
  }
  async function hkdfExpand(prk, info, length) {
    var out = [], t = new Uint8Array(0), have = 0;
    for (var i = 1; have < length; i++) {
      t = await hmac(prk, concat([t, info, new Uint8Array([i])]));
      out.push(t);
      have += t.length;
    }
    return concat(out).slice(0, length);
  }
  /** HKDF-SHA256 (RFC 5869); an absent salt is 32 zero bytes, as in pyca. */
  async function hkdf(ikm, salt, info, length) {
    return hkdfExpand(await hmac(salt || new Uint8Array(0), ikm), info, length || 32);
  }

  // ---------------------------------------------------------------- X25519 / Ed25519 keys
  var PKCS8_X25519 = fromHex("302e020100300506032b656e04220420");
  var PKCS8_ED25519 = fromHex("302e020100300506032b657004220420");  // RFC 8410

  async function importX25519Private(seed) {
    if (seed.length !== 32) throw new FormatError("an X25519 private key is 32 bytes");
    return subtle.importKey("pkcs8", concat([PKCS8_X25519, seed]), { name: "X25519" }, true, ["deriveBits"]);
  }
  async function x25519PublicOf(privateKey) {
    var jwk = await subtle.exportKey("jwk", privateKey);
    return b64uDecode(jwk.x, 32);
  }
  async function importX25519Public(raw) {
    if (raw.length !== 32) throw new FormatError("an X25519 public key is 32 bytes");
    return subtle.importKey("raw", raw, { name: "X25519" }, true, []);
  }
  /** An Ed25519 signing key from its 32-byte seed (the follow-up key, SPEC §12). */
  async function importEd25519Private(seed) {
    if (seed.length !== 32) throw new FormatError("an Ed25519 private key is 32 bytes");
    return subtle.importKey("pkcs8", concat([PKCS8_ED25519, seed]), { name: "Ed25519" }, true, ["sign"]);
  }
  async function ed25519PublicOf(privateKey) {
    var jwk = await subtle.exportKey("jwk", privateKey);
    return b64uDecode(jwk.x, 32);
  }
  async function importEd25519Public(raw) {
    if (raw.length !== 32) throw new FormatError("an Ed25519 public key is 32 bytes");
    try {
      return await subtle.importKey("raw", raw, { name: "Ed25519" }, true, ["verify"]);
    } catch (e) {
      throw new FormatError("invalid Ed25519 public key");
    }
  }
  /** A 16-byte key id (SPEC §2.2) of a raw public key; ``type`` is "x25519" or "ed25519". */
  async function keyId(type, raw) {
    var h = await sha256(concat([utf8("bisik/v1 key-id\0" + type + "\0"), raw]));
    return h.slice(0, 16);
  }
  /** The 40-digit fingerprint of crypto/keys.py over raw public keys, for reading aloud. */
  async function fingerprint(raws) {
    var d = new Uint8Array(await subtle.digest("SHA-512", concat([utf8("bisik/v1 fingerprint\0")].concat(raws))));
    var groups = [];
    for (var i = 0; i < 8; i++) {
      var v = 0;
      for (var j = 0; j < 5; j++) v = v * 256 + d[i * 5 + j];
      groups.push(String(v % 100000).padStart(5, "0"));
    }
    return groups.join(" ");
  }

  // ---------------------------------------------------------------- HPKE (RFC 9180 base mode)
  var KEM_SUITE = concat([utf8("KEM"), u16be(0x0020)]);
  var HPKE_V1 = utf8("HPKE-v1");

  function labeledExtract(suite, salt, label, ikm) {
    return hmac(salt, concat([HPKE_V1, suite, utf8(label), ikm]));
  }
  function labeledExpand(suite, prk, label, info, length) {
    return hkdfExpand(prk, concat([u16be(length), HPKE_V1, suite, utf8(label), info]), length);
  }
  async function dh(privateKey, publicRaw) {
    var pub = await importX25519Public(publicRaw);
    try {
      // WebCrypto rejects an all-zero shared secret (a low-order point), as pyca does.
      return new Uint8Array(await subtle.deriveBits({ name: "X25519", public: pub }, privateKey, 256));
    } catch (e) {
      throw new DecryptionError();
    }
  }
  async function kemSharedSecret(dhOut, encapsulated, pkR) {
    var prk = await labeledExtract(KEM_SUITE, new Uint8Array(0), "eae_prk", dhOut);
    return labeledExpand(KEM_SUITE, prk, "shared_secret", concat([encapsulated, pkR]), 32);
  }
  async function keySchedule(shared, info, aeadId) {
    var suite = concat([utf8("HPKE"), u16be(0x0020), u16be(0x0001), u16be(aeadId)]);
    var nk = aeadId === 2 ? 32 : 16, empty = new Uint8Array(0);
    var pskIdHash = await labeledExtract(suite, empty, "psk_id_hash", empty);
    var infoHash = await labeledExtract(suite, empty, "info_hash", info);
    var context = concat([new Uint8Array([0]), pskIdHash, infoHash]);
    var secret = await labeledExtract(suite, shared, "secret", empty);
    return {
      key: await labeledExpand(suite, secret, "key", context, nk),
      nonce: await labeledExpand(suite, secret, "base_nonce", context, 12),
    };
  }
  async function aesKey(raw, usage) {
    return subtle.importKey("raw", raw, { name: "AES-GCM" }, false, [usage]);
  }
  /**
   * HPKE single-shot seal to ``pkR`` (raw 32 bytes). ``opts.ephemeral`` (raw 32-byte seed) is
   * the determinism seam for vectors; ``opts.aeadId`` defaults to AES-256-GCM (2).
   * Returns {enc, ciphertext}.
   */
  async function hpkeSeal(pkR, info, aad, plaintext, opts) {
    opts = opts || {};
    var aeadId = opts.aeadId || 2, skE;
    if (opts.ephemeral) {
      skE = await importX25519Private(opts.ephemeral);
    } else {
      skE = (await subtle.generateKey({ name: "X25519" }, true, ["deriveBits"])).privateKey;
    }
    var encapsulated = await x25519PublicOf(skE);
    var shared = await kemSharedSecret(await dh(skE, pkR), encapsulated, pkR);
    var ks = await keySchedule(shared, info, aeadId);
    var ct = await subtle.encrypt({ name: "AES-GCM", iv: ks.nonce, additionalData: aad, tagLength: 128 },
      await aesKey(ks.key, "encrypt"), plaintext);
    return { enc: encapsulated, ciphertext: new Uint8Array(ct) };
  }
  /** HPKE single-shot open with a private CryptoKey; any failure is DecryptionError. */
  async function hpkeOpen(skR, encapsulated, info, aad, ciphertext, aeadId) {
    aeadId = aeadId || 2;
    if (encapsulated.length !== 32) throw new DecryptionError();
    var pkR = await x25519PublicOf(skR);
    var shared = await kemSharedSecret(await dh(skR, encapsulated), encapsulated, pkR);
    var ks = await keySchedule(shared, info, aeadId);
    try {
      return new Uint8Array(await subtle.decrypt({ name: "AES-GCM", iv: ks.nonce, additionalData: aad, tagLength: 128 },
        await aesKey(ks.key, "decrypt"), ciphertext));
    } catch (e) {
      throw new DecryptionError();
    }
  }

  // ---------------------------------------------------------------- padding (Padme)
  var MIN_PADDED = 1024, PAD_MARKER = 0x80;
  function bitLength(n) { var b = 0; while (n > 0) { b++; n = Math.floor(n / 2); } return b; }
  function padme(length) {
    if (length < 2) return length;
    var exponent = bitLength(length) - 1;
    var lowBits = exponent - bitLength(exponent);
    var unit = Math.pow(2, lowBits);  // lengths beyond 2^32: use arithmetic, not bit operators
    return Math.ceil(length / unit) * unit;
  }
  function paddedLength(n) {
    if (n < 0) throw new RangeError("negative length");
    return Math.max(MIN_PADDED, padme(n + 1));
  }

  // ---------------------------------------------------------------- header
  var MAGIC = utf8("BISIKENV"), VERSION = 1, MAX_RECIPIENTS = 32, SALT_LEN = 16;
  var STANZA_LEN = 16 + 32 + 48, PREFIX_LEN = 28, MAC_LEN = 32;
  var WRAP_INFO = utf8("bisik/v1 file-key");
  var PAYLOAD_LABEL = utf8("bisik/v1 payload");
  var HEADER_MAC_LABEL = utf8("bisik/v1 header-mac");

  function deriveKey(fileKey, salt, label) { return hkdf(fileKey, salt.length ? salt : null, label, 32); }

  async function buildHeader(recipients, fileKey, salt, ephemerals) {
    if (recipients.length < 1 || recipients.length > MAX_RECIPIENTS) throw new RangeError("1 to 32 recipients");
    var ids = [], seen = {}, i;
    for (i = 0; i < recipients.length; i++) {
      var id = await keyId("x25519", recipients[i]);
      if (seen[toHex(id)]) throw new RangeError("duplicate recipient");
      seen[toHex(id)] = true;
      ids.push(id);
    }
    var prefix = new Uint8Array(12);
    prefix.set(MAGIC); prefix[8] = VERSION; prefix[9] = 0; prefix.set(u16be(recipients.length), 10);
    var parts = [prefix, salt];
    for (i = 0; i < recipients.length; i++) {
      var sealed = await hpkeSeal(recipients[i], WRAP_INFO, ids[i], fileKey,
        { ephemeral: ephemerals ? ephemerals[i] : null });
      parts.push(ids[i], sealed.enc, sealed.ciphertext);
    }
    var body = concat(parts);
    var mac = await hmac(await deriveKey(fileKey, new Uint8Array(0), HEADER_MAC_LABEL), body);
    return concat([body, mac]);
  }

  /** Validate the 28-byte prefix, return the header length; DecryptionError if bad. */
  function readPrefix(prefix) {
    if (prefix.length !== PREFIX_LEN || !equalBytes(prefix.subarray(0, 8), MAGIC)) throw new DecryptionError();
    var count = (prefix[10] << 8) | prefix[11];
    if (prefix[8] !== VERSION || prefix[9] !== 0 || count < 1 || count > MAX_RECIPIENTS) throw new DecryptionError();
    return PREFIX_LEN + count * STANZA_LEN + MAC_LEN;
  }
  /** The recipient key ids (hex) named by a header, without opening it. */
  function headerRecipients(data) {
    var len = readPrefix(data.subarray(0, PREFIX_LEN)), out = [];
    if (data.length < len) throw new DecryptionError();
    for (var off = PREFIX_LEN; off < len - MAC_LEN; off += STANZA_LEN) out.push(toHex(data.subarray(off, off + 16)));
    return out;
  }
  async function openHeader(data, identity) {
    var length = readPrefix(data.subarray(0, PREFIX_LEN));
    if (data.length !== length) throw new DecryptionError();
    var myId = await keyId("x25519", await x25519PublicOf(identity));
    var body = data.subarray(0, length - MAC_LEN), tag = data.subarray(length - MAC_LEN);
    var seen = {}, fileKey = null;
    for (var off = PREFIX_LEN; off < body.length; off += STANZA_LEN) {
      var stanza = body.subarray(off, off + STANZA_LEN), rid = stanza.subarray(0, 16), hex = toHex(rid);
      if (seen[hex]) throw new DecryptionError();  // duplicated stanzas make the header ambiguous
      seen[hex] = true;
      if (fileKey === null && equalBytes(rid, myId)) {
        fileKey = await hpkeOpen(identity, stanza.slice(16, 48), WRAP_INFO, rid.slice(), stanza.slice(48));
      }
    }
    if (fileKey === null) throw new DecryptionError();
    var mac = await hmac(await deriveKey(fileKey, new Uint8Array(0), HEADER_MAC_LABEL), body);
    if (!equalBytes(mac, tag)) throw new DecryptionError();
    return { salt: data.slice(12, PREFIX_LEN), fileKey: fileKey, length: length, mac: tag.slice() };
  }

  // ---------------------------------------------------------------- STREAM payload
  var CHUNK = 65536, TAG = 16, CT_CHUNK = CHUNK + TAG, ZEROS = new Uint8Array(CHUNK);
  function nonce(counter, last) {
    var n = new Uint8Array(12), c = counter;
    for (var i = 10; i >= 0 && c > 0; i--) { n[i] = c % 256; c = Math.floor(c / 256); }
    n[11] = last ? 1 : 0;
    return n;
  }
  /** Exact ciphertext size of an envelope holding ``n`` bytes for ``r`` recipients. */
  function envelopeLength(n, r) {
    var p = paddedLength(n), chunks = Math.ceil(p / CHUNK);
    return PREFIX_LEN + r * STANZA_LEN + MAC_LEN + p + chunks * TAG;
  }

  /**
   * Seal a Blob/File (or Uint8Array) to ``recipients`` (raw X25519 public keys), streaming.
   * A Blob is read front to back through blob.stream() (in Chromium as fast as 8 MiB slices
   * and about three times 1 MiB ones; a File that changes while it is read, by length, is
   * refused with FormatError), never whole: blocks of ``readSize`` bytes (whole 64 KiB
   * chunks) are encrypted chunk by chunk, straight from the stream's pieces where a chunk
   * lies inside one, the next block read while this one is encrypted. ``onData``
   * gets the header, then each ciphertext chunk in order, and is await-ed, so the caller may
   * upload before more is read. Returns {length, headerMac (hex)}: the envelope's header MAC
   * (SPEC §3.4), which a document lists as the evidence entry's ``envelope_mac``;
   * ``opts.onHeaderMac(hex)`` receives it before any payload is read. ``opts.fileKey``,
   * ``opts.salt``, ``opts.ephemerals`` are the determinism seam for vectors. Memory: about
   * three blocks (one read ahead, one being encrypted, its ciphertext).
   */
  async function sealStream(source, recipients, onData, opts) {
    opts = opts || {};
    var fileKey = opts.fileKey || root.crypto.getRandomValues(new Uint8Array(32));
    var salt = opts.salt || root.crypto.getRandomValues(new Uint8Array(SALT_LEN));
    var readSize = Math.max(1, Math.round((opts.readSize || 16 * CHUNK) / CHUNK)) * CHUNK;  // whole chunks
    var isBlob = typeof Blob !== "undefined" && source instanceof Blob;
    var n = isBlob ? source.size : source.length;
    var padded = paddedLength(n), chunks = Math.ceil(padded / CHUNK);
    var total = 0;
    async function emit(b) { total += b.length; await onData(b); }

    var head = await buildHeader(recipients, fileKey, salt, opts.ephemerals);
    var headerMac = toHex(head.subarray(head.length - MAC_LEN));
    if (opts.onHeaderMac) opts.onHeaderMac(headerMac);
    await emit(head);
    var key = await aesKey(await deriveKey(fileKey, salt, PAYLOAD_LABEL), "encrypt");
    var take = isBlob ? streamTaker(source.stream().getReader(), n)
      : function (from, count) { return source.subarray(from, from + count); };

    // The plaintext chunks of the block at ``start``: views of the data where a chunk lies
    // inside one piece the stream gave (WebCrypto copies its input), copies where it spans
    // two or holds the padding marker, one shared run of zeros after it.
    async function readBlock(start) {
      var end = Math.min(start + readSize, padded), out = [];
      for (var off = start; off < end; off += CHUNK) {
        var size = Math.min(CHUNK, end - off), data = Math.max(0, Math.min(size, n - off));
        if (data === size) {
          out.push(await take(off, size));
        } else if (off > n) {
          out.push(ZEROS.subarray(0, size));
        } else {
          var chunk = new Uint8Array(size);
          if (data) chunk.set(await take(off, data));
          chunk[data] = PAD_MARKER;
          out.push(chunk);
        }
      }
      return out;
    }
    // Its chunks encrypted concurrently (WebCrypto runs them off the main thread), in order.
    function encryptBlock(block, start) {
      return Promise.all(block.map(function (chunk, i) {
        var counter = start / CHUNK + i;
        return subtle.encrypt({ name: "AES-GCM", iv: nonce(counter, counter === chunks - 1), tagLength: 128 },
          key, chunk);
      }));
    }
    function quiet(promise) { promise.catch(function () { /* reported when awaited */ }); return promise; }

    // Pipeline: block k+1 is read while block k is encrypted, and encrypted while block k is
    // handed on (uploaded). Reads follow one another: each starts when the last one ended.
    var read = quiet(readBlock(0));
    var sealed = quiet(read.then(function (b) { return encryptBlock(b, 0); }));
    try {
      for (var start = 0; start < padded; start += readSize) {
        var following = start + readSize, current = sealed;
        if (following < padded) {
          read = quiet(read.then(readBlock.bind(null, following)));
          sealed = quiet(read.then(function (at, b) { return encryptBlock(b, at); }.bind(null, following)));
        }
        var cts = await current;
        for (var i = 0; i < cts.length; i++) await emit(new Uint8Array(cts[i]));
        if (opts.onProgress) opts.onProgress(Math.min(following, n), n);
      }
    } finally {
      if (take.cancel) take.cancel();
    }
    return { length: total, headerMac: headerMac };
  }

  /**
   * ``take(from, count)`` over a Blob's stream reader: the next ``count`` bytes, as a view of
   * the stream's own piece when they lie inside one, else copied together. Rejects with
   * FormatError when the stream ends early or, once the last of the ``n`` bytes was taken,
   * holds more (the file changed while it was read). ``take.cancel()`` releases the reader
   * (after a failure, or once the whole file was read).
   */
  function streamTaker(reader, n) {
    var carry = new Uint8Array(0), seen = 0, done = false;
    async function more() {
      var r = await reader.read();
      if (r.done || (seen += r.value.length) > n) throw new FormatError("the file changed while it was read");
      carry = r.value;
    }
    async function take(from, count) {
      if (!carry.length) await more();
      var out;
      if (carry.length >= count) {
        out = carry.subarray(0, count);
        carry = carry.subarray(count);
      } else {
        out = new Uint8Array(count);
        for (var have = 0; have < count;) {
          if (!carry.length) await more();
          var k = Math.min(count - have, carry.length);
          out.set(carry.subarray(0, k), have);
          have += k;
          carry = carry.subarray(k);
        }
      }
      if (from + count === n) {  // the last of the data: nothing may follow
        var rest = await reader.read();
        done = true;
        if (carry.length || !rest.done) throw new FormatError("the file changed while it was read");
      }
      return out;
    }
    take.cancel = function () {
      if (!done) { done = true; reader.cancel().catch(function () { /* already closed */ }); }
    };
    return take;
  }

  /** Seal bytes in memory; returns the envelope as a Uint8Array. */
  async function seal(plaintext, recipients, opts) {
    var parts = [];
    await sealStream(plaintext, recipients, function (b) { parts.push(b); }, opts);
    return concat(parts);
  }

  /**
   * Open an envelope held in memory (replies, documents) with a private X25519 CryptoKey.
   * Nothing is returned unless every tag, the final chunk and the padding check out.
   */
  async function open(envelope, identity) {
    if (envelope.length < PREFIX_LEN) throw new DecryptionError();
    var head = await openHeader(envelope.subarray(0, readPrefix(envelope.subarray(0, PREFIX_LEN))), identity);
    var key = await aesKey(await deriveKey(head.fileKey, head.salt, PAYLOAD_LABEL), "decrypt");
    var payload = envelope.subarray(head.length), parts = [], counter = 0;
    if (payload.length === 0) throw new DecryptionError();
    for (var off = 0; off < payload.length; off += CT_CHUNK) {
      var chunk = payload.subarray(off, Math.min(off + CT_CHUNK, payload.length));
      var last = off + CT_CHUNK >= payload.length;
      if (chunk.length <= TAG) throw new DecryptionError();  // empty final chunk or cut tag
      try {
        parts.push(new Uint8Array(await subtle.decrypt({ name: "AES-GCM", iv: nonce(counter, last), tagLength: 128 },
          key, chunk)));
      } catch (e) {
        throw new DecryptionError();
      }
      counter++;
    }
    var plain = concat(parts), end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    // Canonical padding only: the marker, then exactly the zeros Padme asks for.
    if (end < 0 || plain[end] !== PAD_MARKER || paddedLength(end) !== plain.length) throw new DecryptionError();
    return plain.slice(0, end);
  }

  // ---------------------------------------------------------------- receipts (SPEC §5)
  var ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ", DATA_SYMBOLS = 18, LENGTH = 20;
  var ALIASES = { O: "0", I: "1", L: "1" };

  async function receiptCheck(data) {
    var h = await sha256(concat([utf8("bisik/v1 receipt-check\0"), utf8(data)]));
    var bits = ((h[0] << 8) | h[1]) >> 6;
    return ALPHABET[bits >> 5] + ALPHABET[bits & 31];
  }
  function displayReceipt(code) {
    var g = [];
    for (var i = 0; i < LENGTH; i += 4) g.push(code.slice(i, i + 4));
    return g.join("-");
  }
  /** A fresh receipt (90 random bits): every byte's low 5 bits, unbiased since 32 | 256. */
  async function generateReceipt(randomBytes) {
    var r = randomBytes || root.crypto.getRandomValues(new Uint8Array(DATA_SYMBOLS)), data = "";
    for (var i = 0; i < DATA_SYMBOLS; i++) data += ALPHABET[r[i] & 31];
    return displayReceipt(data + await receiptCheck(data));
  }
  /** Canonical 20-symbol code of what a person typed; ReceiptError if it cannot be one. */
  async function normalizeReceipt(text) {
    var cleaned = "", up = String(text).toUpperCase();
    for (var i = 0; i < up.length; i++) {
      var ch = up[i];
      if (" -\t\r\n.".indexOf(ch) >= 0) continue;
      cleaned += ALIASES[ch] || ch;
    }
    if (cleaned.length !== LENGTH) throw new ReceiptError("a receipt has 20 letters and digits");
    for (var j = 0; j < LENGTH; j++) if (ALPHABET.indexOf(cleaned[j]) < 0) throw new ReceiptError("bad symbol");
    if (await receiptCheck(cleaned.slice(0, DATA_SYMBOLS)) !== cleaned.slice(DATA_SYMBOLS)) {
      throw new ReceiptError("check symbols do not match");
    }
    return cleaned;
  }
  /**
   * Derive {code, lookupId (bytes), replyKey (CryptoKey), replyPublic (raw bytes),
   * followupKey (Ed25519 CryptoKey, signs follow-ups: SPEC §12), followupPublic (raw bytes)}.
   */
  async function deriveReceipt(text) {
    var code = await normalizeReceipt(text);
    var pw = await subtle.importKey("raw", utf8(code), "PBKDF2", false, ["deriveBits"]);
    var master = new Uint8Array(await subtle.deriveBits(
      { name: "PBKDF2", hash: "SHA-256", salt: utf8("bisik/v1 receipt"), iterations: 10000 }, pw, 256));
    var lookupId = await hkdf(master, null, utf8("bisik/v1 lookup-id"), 32);
    var seed = await hkdf(master, null, utf8("bisik/v1 reply-key"), 32);
    var replyKey = await importX25519Private(seed);
    var followupKey = await importEd25519Private(await hkdf(master, null, utf8("bisik/v1 follow-up-key"), 32));
    return { code: code, lookupId: lookupId, replyKey: replyKey, replyPublic: await x25519PublicOf(replyKey),
      followupKey: followupKey, followupPublic: await ed25519PublicOf(followupKey) };
  }

  // ---------------------------------------------------------------- signed objects (SPEC §4)
  var KINDS = ["directory", "status", "reply", "proof", "manifest", "escalation", "followup", "link",
    "track"];  // link: SPEC §15, track: SPEC §16
  var MAX_SIGNED = 4 << 20;

  function parseSigned(data) {
    var raw = typeof data === "string" ? utf8(data) : data;
    var obj = parseJsonObject(raw, MAX_SIGNED);  // SPEC §4: the container is 4 MiB at most too
    if (obj.bisik !== "signed/v1" || KINDS.indexOf(obj.kind) < 0) throw new FormatError("not a Bisik signed object");
    if (typeof obj.signer !== "string" || obj.signer.length !== 32) throw new FormatError("bad signer id");
    if (typeof obj.body !== "string" || typeof obj.sig !== "string") throw new FormatError("incomplete signed object");
    return { kind: obj.kind, signer: obj.signer, body: b64uDecode(obj.body), sig: b64uDecode(obj.sig, 64) };
  }
  /** Check kind, signer and the Ed25519 signature; return the body as an object. */
  async function verifySigned(signedObj, edPublicRaw, kind) {
    if (signedObj.kind !== kind || signedObj.signer !== toHex(await keyId("ed25519", edPublicRaw))) {
      throw new SignatureError("not a " + kind + " signed by this key");
    }
    var key = await importEd25519Public(edPublicRaw);
    var msg = concat([utf8("bisik/v1 signed\0" + kind + "\0"), signedObj.body]);
    if (!await subtle.verify({ name: "Ed25519" }, key, signedObj.sig, msg)) {
      throw new SignatureError(kind + " signature does not verify");
    }
    return parseJsonObject(signedObj.body, MAX_SIGNED);
  }

  /** Sign ``body`` as a ``kind`` object (SPEC §4) with an Ed25519 CryptoKey: the container text. */
  async function signObject(privateKey, kind, body) {
    var data = utf8(canonicalJson(body)), pub = await ed25519PublicOf(privateKey);
    var msg = concat([utf8("bisik/v1 signed\0" + kind + "\0"), data]);
    var sig = new Uint8Array(await subtle.sign({ name: "Ed25519" }, privateKey, msg));
    return canonicalJson({ bisik: "signed/v1", kind: kind, signer: toHex(await keyId("ed25519", pub)),
      body: b64uEncode(data), sig: b64uEncode(sig) });
  }

  // ---------------------------------------------------------------- follow-ups (SPEC §12)
  var FOLLOWUP_TYPES = ["message", "retaliation", "consent"], FOLLOWUP_FIELDS = ["case", "envelope_sha256", "evidence", "type", "v"];
  var CASE_ID = /^[A-Za-z0-9_-]{1,64}$/;
  /** The body of SPEC §12.2 for ``item`` {case, type, envelope_sha256, evidence}; FormatError if malformed. */
  function followupBody(item) {
    var body = { v: 1, case: item.case, type: item.type, envelope_sha256: item.envelope_sha256,
      evidence: (item.evidence || []).slice() };
    checkFollowupBody(body);
    return body;
  }
  function checkFollowupBody(b) {
    var keys = Object.keys(b).sort(), ev = b.evidence, seen = {};
    var ok = keys.join(",") === FOLLOWUP_FIELDS.join(",") && b.v === 1 && FOLLOWUP_TYPES.indexOf(b.type) >= 0 &&
      typeof b.case === "string" && CASE_ID.test(b.case) && typeof b.envelope_sha256 === "string" &&
      HEX64.test(b.envelope_sha256) && Array.isArray(ev) && ev.length <= 64;
    ok = ok && ev.every(function (e) {
      var fresh = typeof e === "string" && HEX64.test(e) && !Object.prototype.hasOwnProperty.call(seen, e);
      seen[e] = true;
      return fresh;
    });
    if (!ok) throw new FormatError("malformed follow-up signature body");
  }
  /** The follow-up key's signature (container text) on one reporter item; ``secrets`` from deriveReceipt. */
  async function signFollowup(secrets, item) {
    return signObject(secrets.followupKey, "followup", followupBody(item));
  }
  /**
   * Verify a follow-up signature against the published key (raw bytes) for ``item``, as
   * crypto/followup.py verify does: SignatureError for another key, kind, case, type,
   * envelope or evidence list; FormatError for a malformed container or body.
   */
  async function verifyFollowup(data, publicRaw, item) {
    var body = await verifySigned(parseSigned(data), publicRaw, "followup");
    checkFollowupBody(body);
    if (body.case !== item.case || body.type !== item.type || body.envelope_sha256 !== item.envelope_sha256) {
      throw new SignatureError("the follow-up signature is for another item");
    }
    if (item.evidence && body.evidence.join(",") !== item.evidence.join(",")) {
      throw new SignatureError("the follow-up signature lists other evidence");
    }
    return body;
  }

  // ---------------------------------------------------------------- directory (SPEC §6)
  var ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
  function isoDate(v) {
    if (typeof v !== "string" || !ISO_DATE.test(v) || isNaN(Date.parse(v + "T00:00:00Z"))) throw new FormatError("bad date");
    return v;  // ISO dates compare correctly as strings
  }
  function todayUtc() { return new Date().toISOString().slice(0, 10); }

  /**
   * Verify a signed directory against the pinned root (raw Ed25519 bytes) and return
   * {orgName, serial, expires, serverKey, reviewers, revoked, today, active(), recipients(exclude),
   * reviewerBySigner(hex)}. SignatureError if not signed by ``root``, expired, or (rollback,
   * SPEC §6) its serial is below ``minSerial`` (the serial of a directory seen before, if any);
   * FormatError if malformed. The checks run in the order crypto/directory.py runs them.
   */
  async function verifyDirectory(data, rootRaw, today, minSerial) {
    today = today || todayUtc();
    var body = await verifySigned(parseSigned(data), rootRaw, "directory");
    if (body.v !== 1 || !body.org || body.org.root !== b64uEncode(rootRaw)) {
      throw new SignatureError("directory names a different root key");
    }
    var expires = isoDate(body.expires);
    var serial = body.serial;
    if (typeof serial !== "number" || !Number.isSafeInteger(serial) || serial < 0) {
      throw new FormatError("directory serial must be a non-negative integer");
    }
    if (minSerial !== undefined && minSerial !== null && serial < minSerial) {
      throw new SignatureError("this directory is older than one already seen (rollback)");
    }
    if (today > expires) throw new SignatureError("the directory has expired");
    if (!Array.isArray(body.reviewers)) throw new FormatError("incomplete directory");
    var ids = {}, reviewers = [];
    for (var i = 0; i < body.reviewers.length; i++) {
      var r = body.reviewers[i];
      if (!r || (r.role !== "reviewer" && r.role !== "lead") || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(String(r.id))) {
        throw new FormatError("bad reviewer id or role");
      }
      if (ids[r.id]) throw new FormatError("duplicate reviewer id");
      ids[r.id] = true;
      var ed = b64uDecode(r.ed25519, 32), x = b64uDecode(r.x25519, 32);
      reviewers.push({
        id: String(r.id), name: String(r.name), role: r.role, x25519: x, ed25519: ed,
        validFrom: isoDate(r.valid_from), validUntil: isoDate(r.valid_until),
        signerId: toHex(await keyId("ed25519", ed)), encryptionId: toHex(await keyId("x25519", x)),
        fingerprint: await fingerprint([x, ed]),
      });
    }
    var revoked = (body.revoked || []).map(String);
    function isActive(r) { return r.validFrom <= today && today <= r.validUntil && revoked.indexOf(r.signerId) < 0; }
    return {
      orgName: String(body.org.name), serial: serial, expires: expires,
      serverKey: body.server ? b64uDecode(body.server, 32) : null,
      reviewers: reviewers, revoked: revoked, today: today,
      active: function () { return reviewers.filter(isActive); },
      recipients: function (exclude) {
        exclude = exclude || [];
        var keys = reviewers.filter(function (r) { return isActive(r) && exclude.indexOf(r.id) < 0; })
          .map(function (r) { return r.x25519; });
        if (!keys.length) throw new SignatureError("no active reviewer would be able to read this");
        return keys;
      },
      reviewerBySigner: function (signer) {
        for (var j = 0; j < reviewers.length; j++) if (reviewers[j].signerId === signer && isActive(reviewers[j])) return reviewers[j];
        throw new SignatureError("signer is not an active reviewer in the directory");
      },
    };
  }

  /**
   * Verify a status or reply record against a verified directory: {body, reviewer}. The body
   * rules are crypto/records.py check_body's (SPEC §7): v 1, case text, id 32 lowercase hex,
   * a zoned time, a known state whose authority is text exactly when escalated (else text or
   * null), or a reply's 64-hex envelope hash.
   */
  async function verifyRecord(data, directory, kind) {
    var obj = parseSigned(data);
    var reviewer = directory.reviewerBySigner(obj.signer);
    var body = await verifySigned(obj, reviewer.ed25519, kind);
    var ok = body.v === 1 && typeof body.case === "string" && typeof body.id === "string" &&
      HEX32.test(body.id) && zonedTime(body.at);
    if (kind === "status") {
      var authority = body.authority === undefined ? null : body.authority;  // Python: .get()
      ok = ok && STATES.indexOf(body.state) >= 0 && (body.state === "escalated") === !!authority &&
        (authority === null || typeof authority === "string");
    } else if (kind === "link") {  // SPEC §15, as crypto/links.py check_fields
      ok = ok && Object.keys(body).sort().join(",") === "at,case,id,linked,other,share,v" &&
        CASE_ID.test(body.case) && typeof body.other === "string" && CASE_ID.test(body.other) &&
        body.case !== body.other && typeof body.linked === "boolean" &&
        typeof body.share === "boolean" && !(body.share && !body.linked);
    } else if (kind === "track") {
      ok = ok && trackFieldsOk(body);
    } else {
      ok = ok && typeof body.envelope_sha256 === "string" && HEX64.test(body.envelope_sha256);
    }
    if (!ok) throw new FormatError("malformed " + kind + " record");
    return { body: body, reviewer: reviewer };
  }
  var HEX64 = /^[0-9a-f]{64}$/, HEX32 = /^[0-9a-f]{32}$/;  // JS "$" never matches before "\n"

  /** crypto/tracking.py fields_ok (SPEC §16): exactly the listed members, lower-case codes,
   * a reference of 1–120 printable ASCII characters without outer spaces (or null), a calendar
   * day no later than the day the record was signed, as written in the signer's zone. */
  var TRACK_MEMBERS = ["at", "authority", "case", "day", "id", "level", "reference", "stage", "v"];
  var CODE = /^[a-z][a-z0-9_]{0,31}$/, DAY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, REF = /^[\x20-\x7e]{1,120}$/;
  function trackFieldsOk(body) {
    if (Object.keys(body).sort().join() !== TRACK_MEMBERS.join()) return false;
    var codes = [body.authority, body.stage].every(function (c) { return typeof c === "string" && CODE.test(c); });
    var level = body.level === null || (typeof body.level === "string" && CODE.test(body.level));
    var ref = body.reference === null || (typeof body.reference === "string" && REF.test(body.reference) &&
      body.reference === body.reference.trim());
    if (!(codes && level && ref && typeof body.day === "string" && DAY.test(body.day))) return false;
    var y = +body.day.slice(0, 4), m = +body.day.slice(5, 7), d = +body.day.slice(8, 10);
    var signed = parseIsoTime(body.at);
    return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m) && !!signed && body.day <= signed.date;
  }
  var STATES = ["received", "in_review", "need_info", "escalated", "closed_substantiated",
    "closed_unsubstantiated", "closed_outside_mandate"];

  // ---------------------------------------------------------------- ISO 8601 times
  // Python 3.11's datetime.fromisoformat is the reference (crypto/records.py, document.py).
  // This reads the calendar-date forms of it: extended or basic date, "T"/"t"/space, then
  // HH, HH:MM, HHMM, HH:MM:SS or HHMMSS with an optional fraction ("." or ",", digits past
  // the sixth ignored, as Python truncates), then an optional zone: Z, ±HH, ±HH:MM, ±HHMM,
  // ±HH:MM:SS[.ffffff] or ±HHMMSS[.ffffff], strictly under 24 h. That covers every
  // isoformat() output (any timespec, "T" or space, any offset). Python also takes ISO week dates, any other single separator character, a space before the
  // zone, a fraction point with no digits, a fraction after the minutes or the hour (read as
  // seconds) and a few mixed zone forms (+0530.5): no Bisik writer produces those, and they
  // are refused here. Never the other way round: nothing is accepted here that Python refuses
  // (tests/intake/browser/test_browser_n6_parity.py checks both, with random edits).
  var ISO_TIME = new RegExp("^(\\d{4})(?:-(\\d{2})-(\\d{2})|(\\d{2})(\\d{2}))" +
    "(?:[Tt ](\\d{2})(?:(?::(\\d{2})(?::(\\d{2})([.,]\\d+)?)?)|(?:(\\d{2})(?:(\\d{2})([.,]\\d+)?)?))?" +
    "(Z|[+-]\\d{2}(?::\\d{2}(?::\\d{2}(?:[.,]\\d+)?)?|\\d{2}(?:\\d{2}(?:[.,]\\d+)?)?)?)?)?$");
  var ZONE = /^([+-])(\d{2})(?::(\d{2})(?::(\d{2})([.,]\d+)?)?|(\d{2})(?:(\d{2})([.,]\d+)?)?)?$/;

  function micros(fraction) {  // ".5" -> 500000; digits past the sixth are dropped
    return fraction ? parseInt((fraction.slice(1) + "00000").slice(0, 6), 10) : 0;
  }
  function daysIn(year, month) {
    return [31, (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28, 31, 30, 31,
      30, 31, 31, 30, 31, 30, 31][month - 1];
  }
  /** Offset in microseconds east of UTC, or NaN when Python would refuse it. */
  function zoneMicros(z) {
    if (z === "Z") return 0;
    var m = ZONE.exec(z);
    if (!m) return NaN;
    var h = +m[2], mi = +(m[3] || m[6] || 0), sec = +(m[4] || m[7] || 0);
    if (mi > 59 || sec > 59) return NaN;
    var total = ((h * 60 + mi) * 60 + sec) * 1e6 + micros(m[5] || m[8]);
    if (total >= 86400e6) return NaN;  // Python: strictly less than a day
    return m[1] === "-" ? -total : total;
  }
  /**
   * Parse an ISO 8601 time as Python's fromisoformat does (forms above). Returns null when
   * it is not one, else {zoned, date (YYYY-MM-DD as written), utcKey}; utcKey (zoned times
   * only) is the string Python's crypto.records.order_key puts first: the instant in UTC, isoformat(), so that keys
   * compare as strings exactly as Python orders them.
   */
  function parseIsoTime(v) {
    if (typeof v !== "string") return null;
    var m = ISO_TIME.exec(v);
    if (!m) return null;
    var year = +m[1], month = +(m[2] || m[4]), day = +(m[3] || m[5]);
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
    var hour = +(m[6] || 0), minute = +(m[7] || m[10] || 0), second = +(m[8] || m[11] || 0);
    if (hour > 23 || minute > 59 || second > 59) return null;
    var date = m[1] + "-" + (m[2] || m[4]) + "-" + (m[3] || m[5]);  // as written, in its zone
    if (m[13] === undefined) return { zoned: false, date: date, utcKey: null };
    var offset = zoneMicros(m[13]);
    if (isNaN(offset)) return null;
    var d = new Date(0);
    d.setUTCFullYear(year, month - 1, day);
    d.setUTCHours(hour, minute, second, 0);
    var us = micros(m[9] || m[12]) - offset;            // microseconds to add to d
    var whole = Math.floor(us / 1e6), frac = us - whole * 1e6;
    d.setTime(d.getTime() + whole * 1000);
    var key = d.toISOString().slice(0, 19);
    if (frac) key += "." + String(frac).padStart(6, "0");
    return { zoned: true, date: date, utcKey: key + "+00:00" };
  }
  // A record time MUST carry a zone: records are ordered in UTC (SPEC §7), and a zoneless
  // time would sort by each machine's local clock, so it is malformed.
  function zonedTime(v) { var t = parseIsoTime(v); return !!t && t.zoned; }
  /** The (time in UTC, id) order of SPEC §7, as crypto.records.order_key: compare as strings. */
  function recordOrderKey(body) { return [parseIsoTime(body.at).utcKey, body.id]; }

  // ---------------------------------------------------------------- documents (SPEC §8)
  /** Serialise a document exactly as crypto.document.Document.to_bytes does. */
  function documentBytes(d) {
    return utf8(canonicalJson({
      v: 1, type: d.type, submitted_at: d.submitted_at, channel: d.channel, fields: d.fields || {},
      reply_key: d.reply_key === undefined ? null : d.reply_key,
      evidence: (d.evidence || []).map(function (e) {
        if (!HEX64.test(String(e.envelope_sha256)) || !HEX64.test(String(e.envelope_mac))) {
          throw new FormatError("evidence needs its envelope's SHA-256 and header MAC (lowercase hex)");
        }
        return { envelope_sha256: e.envelope_sha256, envelope_mac: e.envelope_mac, name: e.name,
          media_type: e.media_type, size: e.size, share: !!e.share };
      }),
      consent: d.consent || {},
      followup_key: d.followup_key || undefined,  // absent, not null, when there is none (SPEC §8)
    }));
  }
  var DOC_TYPES = ["report", "message", "retaliation", "reply", "consent", "identity"], CHANNELS = ["browser", "server", "reviewer"];
  function isObject(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }
  function codePoints(s) { return Array.from(s).length; }  // Python's len(), not UTF-16 units
  function checkEvidence(e) {
    if (!isObject(e)) throw new FormatError("evidence entries are objects");
    if (!(typeof e.name === "string" && codePoints(e.name) > 0 && codePoints(e.name) <= 255 &&
          typeof e.media_type === "string")) throw new FormatError("evidence needs a name and a media type");
    if (!(typeof e.size === "number" && Number.isInteger(e.size) && e.size >= 0)) {
      throw new FormatError("evidence size must be a non-negative integer");
    }
    if (!(typeof e.envelope_sha256 === "string" && HEX64.test(e.envelope_sha256) &&
          typeof e.envelope_mac === "string" && HEX64.test(e.envelope_mac))) {
      throw new FormatError("evidence needs its envelope's SHA-256 and header MAC (lowercase hex)");
    }
  }
  function checkFields(fields) {
    if (!isObject(fields)) throw new FormatError("fields must be an object");
    Object.keys(fields).forEach(function (k) {
      var v = fields[k];
      var ok = typeof v === "string" || (Array.isArray(v) && v.every(function (x) { return typeof x === "string"; }));
      if (!ok || codePoints(k) > 64) throw new FormatError("a field must be text or a list of text");
    });
  }
  /**
   * Validate a decrypted document as crypto/document.py parse does and return it (SPEC §8):
   * FormatError for another v, an unknown type or channel, a bad time, a field that is not
   * text or a list of text, a bad or absent evidence hash or MAC, an entry listed twice, a bad
   * reply key, a report without one, or consent that is not an object.
   */
  function parseDocument(bytes) {
    var obj = parseJsonObject(bytes, 1 << 20);
    if (obj.v !== 1 || DOC_TYPES.indexOf(obj.type) < 0 || CHANNELS.indexOf(obj.channel) < 0) {
      throw new FormatError("unknown document version, type or channel");
    }
    if (!parseIsoTime(obj.submitted_at)) throw new FormatError("bad submission time");
    var replyKey = obj.reply_key === undefined ? null : obj.reply_key;
    if (replyKey !== null) b64uDecode(replyKey, 32);
    if (obj.type === "report" && replyKey === null) throw new FormatError("a report carries the reporter's reply key");
    if (obj.type === "identity" && (obj.channel !== "browser" || replyKey !== null ||
        (Array.isArray(obj.evidence) && obj.evidence.length))) {  // SPEC §17
      throw new FormatError("an identity is sealed in the browser, with no reply key or files");
    }
    if (Object.prototype.hasOwnProperty.call(obj, "followup_key")) {  // SPEC §8, §12: reports only, never null
      if (obj.type !== "report" || obj.followup_key === null) throw new FormatError("only a report publishes a follow-up key");
      b64uDecode(obj.followup_key, 32);
    }
    var evidence = obj.evidence === undefined ? [] : obj.evidence, shas = {}, macs = {};
    if (!Array.isArray(evidence)) throw new FormatError("evidence must be a list");
    evidence.forEach(function (e) {
      checkEvidence(e);
      if (shas[e.envelope_sha256] || macs[e.envelope_mac]) throw new FormatError("evidence listed twice");
      shas[e.envelope_sha256] = macs[e.envelope_mac] = true;
    });
    if (obj.consent !== undefined && !isObject(obj.consent)) throw new FormatError("consent must be an object");
    checkFields(obj.fields === undefined ? {} : obj.fields);
    return obj;
  }
  function nowSeconds() { return new Date().toISOString().slice(0, 19) + "+00:00"; }

  // ---------------------------------------------------------------- consent changes (SPEC §14)
  var CONSENT_CODES = ["bawaslu", "bkn", "kemenpanrb", "kemendagri", "inspektorat", "lpsk",
    "ombudsman", "kpk", "ppk", "other"];  // crypto/report_schema.py CONSENT_CHOICES
  function consentMap(obj, keyOk) {
    if (!isObject(obj)) throw new FormatError("consent members must be objects");
    Object.keys(obj).forEach(function (k) {
      if (!keyOk(k)) throw new FormatError("consent names an unknown key");
      if (typeof obj[k] !== "boolean") throw new FormatError("consent must be true or false");
    });
    return Object.keys(obj).length;
  }
  /**
   * Validate a consent-change document as crypto/consent.py check does (SPEC §14.2) and return
   * its change {authorities, evidence}: FormatError for fields, evidence or a reply key in it,
   * a member missing or extra, an unknown code, a bad file hash, a non-boolean, over 64 files,
   * a change that names nothing, or a seq that is not an integer from 1 to 2^31-1.
   */
  function parseConsent(bytes) {
    var doc = parseDocument(bytes), c = doc.consent;
    if (doc.type !== "consent") throw new FormatError("not a consent document");
    if (Object.keys(doc.fields || {}).length || (doc.evidence || []).length || (doc.reply_key !== undefined && doc.reply_key !== null)) {
      throw new FormatError("a consent document carries no fields, evidence or reply key");
    }
    var members = isObject(c) ? Object.keys(c).filter(function (k) { return k !== "seq"; }) : [];
    if (!isObject(c) || members.sort().join(",") !== "authorities,evidence") {
      throw new FormatError("consent needs exactly 'authorities', 'evidence' (and 'seq')");
    }
    // seq (SPEC §14.3): an integer 1..2^31-1. JSON.parse cannot tell 2.0 from 2, which the
    // reviewer's reader refuses; harmless here, where the browser checks what it writes itself
    if (c.seq !== undefined && !(Number.isInteger(c.seq) && c.seq >= 1 && c.seq <= 2147483647)) {
      throw new FormatError("consent seq must be an integer from 1 to 2^31-1");
    }
    var n = consentMap(c.authorities, function (k) { return CONSENT_CODES.indexOf(k) >= 0; });
    var files = consentMap(c.evidence, function (k) { return HEX64.test(k); });
    if (files > 64) throw new FormatError("consent names too many evidence files");
    if (!n && !files) throw new FormatError("a consent change must change something");
    var out = { authorities: c.authorities, evidence: c.evidence };
    if (c.seq !== undefined) out.seq = c.seq;
    return out;
  }

  // ---------------------------------------------------------------- feature detection
  /**
   * True when this browser has everything the JS path needs: X25519, Ed25519, AES-GCM, PBKDF2
   * and HMAC in a secure context, fetch, and Blob streams (sealStream reads files through
   * them). Tor Browser 14 (no X25519/Ed25519) gets false and keeps the server-sealing form.
   */
  async function supported() {
    try {
      if (!subtle || !root.isSecureContext) return false;
      await subtle.generateKey({ name: "X25519" }, true, ["deriveBits"]);
      var ed = fromHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
      var sig = fromHex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155" +
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");  // RFC 8032 test 1
      if (!await subtle.verify({ name: "Ed25519" }, await importEd25519Public(ed), sig, new Uint8Array(0))) return false;
      await subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt"]);
      await subtle.importKey("raw", new Uint8Array(8), "PBKDF2", false, ["deriveBits"]);
      return typeof root.fetch === "function" && typeof Blob !== "undefined" && typeof Blob.prototype.stream === "function";
    } catch (e) {
      return false;
    }
  }

  root.BisikCrypto = Object.freeze({
    DecryptionError: DecryptionError, FormatError: FormatError, SignatureError: SignatureError,
    ReceiptError: ReceiptError,
    supported: supported,
    // bytes
    b64uEncode: b64uEncode, b64uDecode: b64uDecode, toHex: toHex, fromHex: fromHex, utf8: utf8,
    concat: concat, canonicalJson: canonicalJson, sha256: sha256,
    // primitives and keys
    hkdf: hkdf, hmac: hmac, keyId: keyId, fingerprint: fingerprint,
    importX25519Private: importX25519Private, x25519PublicOf: x25519PublicOf,
    hpkeSeal: hpkeSeal, hpkeOpen: hpkeOpen,
    // envelope
    padme: padme, paddedLength: paddedLength, envelopeLength: envelopeLength, CHUNK: CHUNK,
    buildHeader: buildHeader, openHeader: openHeader, readPrefix: readPrefix, headerRecipients: headerRecipients,
    seal: seal, sealStream: sealStream, open: open,
    // receipts
    generateReceipt: generateReceipt, normalizeReceipt: normalizeReceipt, deriveReceipt: deriveReceipt,
    displayReceipt: displayReceipt,
    // signatures and trust
    parseSigned: parseSigned, verifySigned: verifySigned, verifyDirectory: verifyDirectory,
    verifyRecord: verifyRecord, STATES: STATES, parseIsoTime: parseIsoTime, signObject: signObject,
    signFollowup: signFollowup, verifyFollowup: verifyFollowup, followupBody: followupBody,
    recordOrderKey: recordOrderKey,
    // documents
    documentBytes: documentBytes, parseDocument: parseDocument, nowSeconds: nowSeconds,
    parseConsent: parseConsent,
  });
})(typeof globalThis !== "undefined" ? globalThis : self);
