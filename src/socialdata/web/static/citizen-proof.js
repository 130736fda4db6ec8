// Checks the inclusion proof and the tree head's signature on the citizen's proof page, in the browser, from the
// numbers printed on the page alone (RFC 9162 section 2.1.3.2; Ed25519 where the browser's Web Crypto has it).
"use strict";
(function () {
  const text = (id) => document.getElementById(id).textContent.trim();
  const hex = (s) => Uint8Array.from(s.match(/../g).map((b) => parseInt(b, 16)));
  const toHex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
  const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const join = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };
  const sha = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const node = (l, r) => sha(join(Uint8Array.of(1), l, r));

  async function root(index, size, leaf, path) {
    let fn = BigInt(index), sn = BigInt(size) - 1n, r = leaf;
    for (const p of path) {
      if (sn === 0n) return null;
      if ((fn & 1n) === 1n || fn === sn) {
        r = await node(p, r);
        if ((fn & 1n) === 0n) { while (fn !== 0n && (fn & 1n) === 0n) { fn >>= 1n; sn >>= 1n; } }
      } else {
        r = await node(r, p);
      }
      fn >>= 1n; sn >>= 1n;
    }
    return sn === 0n ? r : null;
  }

  async function signatureOk(size, millis, rootHash) {
    const message = new Uint8Array(8 + 8);
    const view = new DataView(message.buffer);
    view.setBigUint64(0, BigInt(size));
    view.setBigUint64(8, BigInt(millis));
    const signed = join(new TextEncoder().encode("socialdata audit tree head v1\n"), message, rootHash);
    try {
      const key = await crypto.subtle.importKey("raw", b64(text("public-key")), { name: "Ed25519" }, false, ["verify"]);
      return await crypto.subtle.verify({ name: "Ed25519" }, key, b64(text("signature")), signed);
    } catch (e) {
      return null; // this browser cannot check Ed25519 signatures
    }
  }

  async function check() {
    const result = document.getElementById("verify-result");
    const entry = new TextEncoder().encode(document.getElementById("event-json").textContent);
    const leaf = await sha(join(Uint8Array.of(0), entry));
    if (toHex(leaf) !== text("leaf-hash")) { result.textContent = "The entry's text does not give its leaf hash."; return; }
    const path = Array.from(document.querySelectorAll("#audit-path code"), (c) => hex(c.textContent.trim()));
    const size = text("tree-size");
    const computed = await root(text("leaf-index"), size, leaf, path);
    if (computed === null || toHex(computed) !== text("root-hash")) {
      result.textContent = "The audit path does not lead to the signed root: the proof fails.";
      return;
    }
    const millis = text("signed-at").match(/\((\d+) ms\)/)[1];
    const signed = await signatureOk(size, millis, computed);
    result.textContent = signed === true
      ? "Checked: this entry is in the log, and the log's root is signed with the published key."
      : signed === false
        ? "The path leads to the root, but the signature does not match the public key."
        : "Checked: this entry is in the log with this root. Your browser cannot check the signature; use the steps below.";
  }

  document.getElementById("verify-button").addEventListener("click", () => { check(); });
})();
