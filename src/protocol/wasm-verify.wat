;; Source of the module embedded (base64) in wasm-verify.ts. Assemble with wabt 1.0.36:
;;   npx -y -p wabt@1.0.36 wat2wasm wasm-verify.wat -o wasm-verify.wasm && base64 -w0 wasm-verify.wasm
;; Memory: CRC tables T0..T7 at k*1024 (filled by JS), the copied window of the set after them.
;; Wasm loads are little-endian; Kafka fields are big-endian, hence the byte swaps:
;;   be32(x) = rotl(x & 0x00ff00ff, 24) | rotl(x & 0xff00ff00, 8)
(module
  (memory (export "memory") 1)
  ;; Entries the last verifyPlain call counted (offset >= fetch offset), and where the last
  ;; accepted entry starts (meaningful only when the call advanced).
  (global $count (export "count") (mut i32) (i32.const 0))
  (global $last (export "last") (mut i32) (i32.const 0))

  ;; CRC-32 (IEEE) of [p, e), slice-by-8.
  (func $crc (export "crc") (param $p i32) (param $e i32) (result i32)
    (local $c i32) (local $a i32) (local $b i32)
    (local.set $c (i32.const -1))
    (block $done8
      (loop $l8
        (br_if $done8 (i32.gt_u (i32.add (local.get $p) (i32.const 8)) (local.get $e)))
        (local.set $a (i32.xor (i32.load align=1 (local.get $p)) (local.get $c)))
        (local.set $b (i32.load offset=4 align=1 (local.get $p)))
        (local.set $c
          (i32.xor
            (i32.xor
              (i32.xor
                (i32.load offset=7168 (i32.shl (i32.and (local.get $a) (i32.const 255)) (i32.const 2)))
                (i32.load offset=6144
                  (i32.shl (i32.and (i32.shr_u (local.get $a) (i32.const 8)) (i32.const 255)) (i32.const 2))))
              (i32.xor
                (i32.load offset=5120
                  (i32.shl (i32.and (i32.shr_u (local.get $a) (i32.const 16)) (i32.const 255)) (i32.const 2)))
                (i32.load offset=4096 (i32.shl (i32.shr_u (local.get $a) (i32.const 24)) (i32.const 2)))))
            (i32.xor
              (i32.xor
                (i32.load offset=3072 (i32.shl (i32.and (local.get $b) (i32.const 255)) (i32.const 2)))
                (i32.load offset=2048
                  (i32.shl (i32.and (i32.shr_u (local.get $b) (i32.const 8)) (i32.const 255)) (i32.const 2))))
              (i32.xor
                (i32.load offset=1024
                  (i32.shl (i32.and (i32.shr_u (local.get $b) (i32.const 16)) (i32.const 255)) (i32.const 2)))
                (i32.load (i32.shl (i32.shr_u (local.get $b) (i32.const 24)) (i32.const 2)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $l8)))
    (block $done1
      (loop $l1
        (br_if $done1 (i32.ge_u (local.get $p) (local.get $e)))
        (local.set $c
          (i32.xor
            (i32.load
              (i32.shl (i32.and (i32.xor (local.get $c) (i32.load8_u (local.get $p))) (i32.const 255)) (i32.const 2)))
            (i32.shr_u (local.get $c) (i32.const 8))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $l1)))
    (i32.xor (local.get $c) (i32.const -1)))

  ;; Walks magic-0 entries from p while each is complete in [p, e), at most maxSize bytes of
  ;; Message, uncompressed and well formed, (when crcOn) its CRC matches, and its offset rises
  ;; above the previous one (pHi:pLo, when any is set). Returns the start of the first entry it
  ;; does not accept (or e); JS decides what that entry is.
  (func (export "verifyPlain")
    (param $p i32) (param $e i32) (param $fHi i32) (param $fLo i32) (param $maxSize i32) (param $crcOn i32)
    (param $pHi i32) (param $pLo i32) (param $any i32)
    (result i32)
    (local $size i32) (local $m i32) (local $mEnd i32) (local $q i32) (local $len i32) (local $x i32)
    (local $hi i32) (local $n i32) (local $lo i32)
    (block $stop
      (loop $next
        (br_if $stop (i32.lt_s (i32.sub (local.get $e) (local.get $p)) (i32.const 12)))
        ;; size = be32(p + 8)
        (local.set $x (i32.load offset=8 align=1 (local.get $p)))
        (local.set $size
          (i32.or
            (i32.rotl (i32.and (local.get $x) (i32.const 0x00ff00ff)) (i32.const 24))
            (i32.rotl (i32.and (local.get $x) (i32.const 0xff00ff00)) (i32.const 8))))
        (br_if $stop (i32.lt_s (local.get $size) (i32.const 14)))
        (br_if $stop (i32.gt_s (local.get $size) (local.get $maxSize)))
        (br_if $stop
          (i32.gt_s (local.get $size) (i32.sub (i32.sub (local.get $e) (local.get $p)) (i32.const 12))))
        (local.set $m (i32.add (local.get $p) (i32.const 12)))
        (local.set $mEnd (i32.add (local.get $m) (local.get $size)))
        ;; magic 0 and codec 0 (other attribute bits are ignored, as in JS)
        (br_if $stop (i32.load8_u offset=4 (local.get $m)))
        (br_if $stop (i32.and (i32.load8_u offset=5 (local.get $m)) (i32.const 7)))
        ;; key length: -1, or 0..size-14 (unsigned compare also rejects < -1)
        (local.set $x (i32.load offset=6 align=1 (local.get $m)))
        (local.set $len
          (i32.or
            (i32.rotl (i32.and (local.get $x) (i32.const 0x00ff00ff)) (i32.const 24))
            (i32.rotl (i32.and (local.get $x) (i32.const 0xff00ff00)) (i32.const 8))))
        (local.set $q (i32.add (local.get $m) (i32.const 10)))
        (if (i32.ne (local.get $len) (i32.const -1))
          (then
            (br_if $stop (i32.gt_u (local.get $len) (i32.sub (local.get $size) (i32.const 14))))
            (local.set $q (i32.add (local.get $q) (local.get $len)))))
        ;; value length: -1 ending the message, or exactly the rest of it
        (local.set $x (i32.load align=1 (local.get $q)))
        (local.set $len
          (i32.or
            (i32.rotl (i32.and (local.get $x) (i32.const 0x00ff00ff)) (i32.const 24))
            (i32.rotl (i32.and (local.get $x) (i32.const 0xff00ff00)) (i32.const 8))))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (if (i32.eq (local.get $len) (i32.const -1))
          (then (br_if $stop (i32.ne (local.get $q) (local.get $mEnd))))
          (else (br_if $stop (i32.ne (local.get $len) (i32.sub (local.get $mEnd) (local.get $q))))))
        (if (local.get $crcOn)
          (then
            (local.set $x (i32.load align=1 (local.get $m)))
            (br_if $stop
              (i32.ne
                (i32.or
                  (i32.rotl (i32.and (local.get $x) (i32.const 0x00ff00ff)) (i32.const 24))
                  (i32.rotl (i32.and (local.get $x) (i32.const 0xff00ff00)) (i32.const 8)))
                (call $crc (i32.add (local.get $m) (i32.const 4)) (local.get $mEnd))))))
        ;; offsets compare as signed high words, then unsigned low words
        (local.set $x (i32.load align=1 (local.get $p)))
        (local.set $hi
          (i32.or
            (i32.rotl (i32.and (local.get $x) (i32.const 0x00ff00ff)) (i32.const 24))
            (i32.rotl (i32.and (local.get $x) (i32.const 0xff00ff00)) (i32.const 8))))
        (local.set $x (i32.load offset=4 align=1 (local.get $p)))
        (local.set $lo
          (i32.or
            (i32.rotl (i32.and (local.get $x) (i32.const 0x00ff00ff)) (i32.const 24))
            (i32.rotl (i32.and (local.get $x) (i32.const 0xff00ff00)) (i32.const 8))))
        ;; the offset must rise above the previous entry's
        (br_if $stop
          (i32.and
            (local.get $any)
            (i32.eqz
              (i32.or
                (i32.gt_s (local.get $hi) (local.get $pHi))
                (i32.and (i32.eq (local.get $hi) (local.get $pHi)) (i32.gt_u (local.get $lo) (local.get $pLo)))))))
        (local.set $pHi (local.get $hi))
        (local.set $pLo (local.get $lo))
        (local.set $any (i32.const 1))
        ;; count when offset >= fetch offset
        (if
          (i32.or
            (i32.gt_s (local.get $hi) (local.get $fHi))
            (i32.and (i32.eq (local.get $hi) (local.get $fHi)) (i32.ge_u (local.get $lo) (local.get $fLo))))
          (then (local.set $n (i32.add (local.get $n) (i32.const 1)))))
        (global.set $last (local.get $p))
        (local.set $p (local.get $mEnd))
        (br $next)))
    (global.set $count (local.get $n))
    (local.get $p))

  ;; The producer's side: writes the CRC of each entry from p while it is complete in [p, e) and
  ;; its Message is 14..maxSize bytes; returns the start of the first entry it leaves (or e).
  ;; Only the CRC field changes; whether the rest is well formed is the writer's business.
  (func (export "seal") (param $p i32) (param $e i32) (param $maxSize i32) (result i32)
    (local $size i32) (local $end i32) (local $x i32)
    (block $stop
      (loop $next
        (br_if $stop (i32.lt_s (i32.sub (local.get $e) (local.get $p)) (i32.const 12)))
        (local.set $x (i32.load offset=8 align=1 (local.get $p)))
        (local.set $size
          (i32.or
            (i32.rotl (i32.and (local.get $x) (i32.const 0x00ff00ff)) (i32.const 24))
            (i32.rotl (i32.and (local.get $x) (i32.const 0xff00ff00)) (i32.const 8))))
        (br_if $stop (i32.lt_s (local.get $size) (i32.const 14)))
        (br_if $stop (i32.gt_s (local.get $size) (local.get $maxSize)))
        (br_if $stop
          (i32.gt_s (local.get $size) (i32.sub (i32.sub (local.get $e) (local.get $p)) (i32.const 12))))
        (local.set $end (i32.add (i32.add (local.get $p) (i32.const 12)) (local.get $size)))
        (local.set $x (call $crc (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
        (i32.store offset=12 align=1 (local.get $p)
          (i32.or
            (i32.rotl (i32.and (local.get $x) (i32.const 0x00ff00ff)) (i32.const 24))
            (i32.rotl (i32.and (local.get $x) (i32.const 0xff00ff00)) (i32.const 8))))
        (local.set $p (local.get $end))
        (br $next)))
    (local.get $p)))
