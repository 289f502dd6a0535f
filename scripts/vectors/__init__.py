"""The test-vector generators: one module per family, two trees, one command.

Each family module has one ``vectors()`` function giving its files (file stem → vector),
built only from the fixed inputs of :mod:`scripts.vectors.common`, so a re-run reproduces
every file byte for byte. :mod:`scripts.vectors.trees` says which families fill which tree;
``python -m scripts.vectors`` (:mod:`scripts.vectors.cli`) regenerates or ``--check``s them,
and ``scripts/make_vectors.py`` / ``scripts/make_bundle_vectors.py`` regenerate one tree each.

One generator tree, two vector trees, each beside the spec it pins: ``crypto/vectors/`` beside
``crypto/SPEC.md`` and ``vault/bundle/vectors/`` beside ``vault/BUNDLE.md`` and the
``vault/bundle`` code. They are not merged because they pin different layers: the crypto
vectors are what the browser code runs too and need nothing but ``crypto``, while the bundle
vectors are made by ``vault.bundle``'s writers; a shared tree would mix the two layers'
formats and move paths the specs, tests and browser tests name.

Families and their files (``<prefix>-*.json`` unless said):

==================  ================================================================
envelope_ok         ``envelope-ok-*``: envelopes the sealer makes (SPEC §3)
envelope_reject     ``envelope-reject-*``: envelopes breaking one rule of SPEC §3.7
hpke                the stanza's HPKE seal with every intermediate value
receipt             receipts and their derivations (SPEC §5)
followup            receipt-signed follow-ups (SPEC §12)
signed              signed objects (SPEC §4)
directory           the reviewer directory and records checked against it (SPEC §6, §7)
document            documents inside envelopes (SPEC §8, §10)
keyfile             passphrase-sealed key files (SPEC §11.1)
store               the reviewer's sealed case store (SPEC §11.2)
proof               proof of report (SPEC §13)
consent             consent changes (SPEC §14)
link                linked cases (SPEC §15)
track               tracking steps (SPEC §16)
identity            identity disclosure (SPEC §17)
bundle              every file of ``vault/bundle/vectors/`` (vault/BUNDLE.md)
==================  ================================================================

Shared construction helpers are private modules: ``_envelopes`` and ``_salamander`` (the
envelope families), ``_org`` (keys and directory of the signed families), ``_bundle_parts``
(taking a bundle apart and re-signing it).
"""
