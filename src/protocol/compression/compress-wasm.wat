;; Source of the module embedded (base64) in compress-wasm.ts. Assemble with wabt 1.0.36:
;;   npx -y -p wabt@1.0.36 wat2wasm compress-wasm.wat -o compress-wasm.wasm && base64 -w0 compress-wasm.wasm
;;
;; Block compressors for snappy (raw block) and LZ4 (block format), written from the format
;; descriptions: greedy matching through a hash table of 4-byte sequences, probing further apart
;; the longer nothing matches (so incompressible input costs little), matches grown backwards
;; over bytes that were skipped, then forwards 8 bytes at a time.
;;
;; Each call compresses at most 64 KiB (a snappy fragment, an LZ4 block), so every offset fits
;; 16 bits and the hash table holds 16-bit positions from the call's start: 2^14 slots take
;; 32 KiB, which stays in the L1 cache beside the input (a table of 32-bit slots ran at half the
;; speed on incompressible input). A cleared slot says "position 0", a real position whose
;; bytes are compared like any other candidate's.
;;
;; Memory, as compress-wasm.ts stages it: [0, 32768) the hash table, the input from 65536, the
;; output after the input. Literals are copied 16 bytes at a time: reads may pass the input's
;; end and writes the output's end by up to 15 bytes, which the staging leaves as slack (and
;; anything written past an element is written again by the next one).
(module
  (memory (export "memory") 2)

  ;; Where the match of $b against the earlier $a stops, never at or past $limit.
  (func $matchEnd (param $a i32) (param $b i32) (param $limit i32) (result i32)
    (local $x i64)
    (block $words
      (loop $word
        (br_if $words (i32.gt_u (i32.add (local.get $b) (i32.const 8)) (local.get $limit)))
        (local.set $x (i64.xor (i64.load align=1 (local.get $a)) (i64.load align=1 (local.get $b))))
        (if (i64.ne (local.get $x) (i64.const 0))
          (then
            ;; little-endian: the lowest set bit is in the first byte that differs
            (return (i32.add (local.get $b)
              (i32.wrap_i64 (i64.shr_u (i64.ctz (local.get $x)) (i64.const 3)))))))
        (local.set $a (i32.add (local.get $a) (i32.const 8)))
        (local.set $b (i32.add (local.get $b) (i32.const 8)))
        (br $word)))
    (block $bytes
      (loop $byte
        (br_if $bytes (i32.ge_u (local.get $b) (local.get $limit)))
        (br_if $bytes (i32.ne (i32.load8_u (local.get $a)) (i32.load8_u (local.get $b))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $byte)))
    (local.get $b))

  ;; Copies $n bytes from $src to $dst (which is later in memory) and returns $dst + $n.
  (func $copy (param $dst i32) (param $src i32) (param $n i32) (result i32)
    (local $w i32) (local $stop i32)
    (local.set $stop (i32.add (local.get $dst) (local.get $n)))
    (if (i32.gt_u (local.get $n) (i32.const 128))
      (then
        (memory.copy (local.get $dst) (local.get $src) (local.get $n))
        (return (local.get $stop))))
    (local.set $w (local.get $dst))
    (loop $c
      (v128.store align=1 (local.get $w) (v128.load align=1 (local.get $src)))
      (local.set $w (i32.add (local.get $w) (i32.const 16)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (br_if $c (i32.lt_u (local.get $w) (local.get $stop))))
    (local.get $stop))

  ;; ---- snappy ----

  ;; A literal element for [$from, $to) at $d (nothing when empty); returns the new $d.
  (func $snappyLiteral (param $d i32) (param $from i32) (param $to i32) (result i32)
    (local $n i32)
    (if (i32.ge_u (local.get $from) (local.get $to)) (then (return (local.get $d))))
    ;; the tag holds the length minus one below 60; 60-63 say it follows in 1-4 LE bytes
    (local.set $n (i32.sub (i32.sub (local.get $to) (local.get $from)) (i32.const 1)))
    (if (i32.lt_u (local.get $n) (i32.const 60))
      (then
        (i32.store8 (local.get $d) (i32.shl (local.get $n) (i32.const 2)))
        (local.set $d (i32.add (local.get $d) (i32.const 1))))
      (else
        (i32.store offset=1 align=1 (local.get $d) (local.get $n))
        (if (i32.lt_u (local.get $n) (i32.const 0x100))
          (then
            (i32.store8 (local.get $d) (i32.const 0xf0))
            (local.set $d (i32.add (local.get $d) (i32.const 2))))
          (else (if (i32.lt_u (local.get $n) (i32.const 0x10000))
            (then
              (i32.store8 (local.get $d) (i32.const 0xf4))
              (local.set $d (i32.add (local.get $d) (i32.const 3))))
            (else (if (i32.lt_u (local.get $n) (i32.const 0x1000000))
              (then
                (i32.store8 (local.get $d) (i32.const 0xf8))
                (local.set $d (i32.add (local.get $d) (i32.const 4))))
              (else
                (i32.store8 (local.get $d) (i32.const 0xfc))
                (local.set $d (i32.add (local.get $d) (i32.const 5)))))))))))
    (call $copy (local.get $d) (local.get $from) (i32.sub (local.get $to) (local.get $from))))

  ;; Copy elements for $len (>= 4) bytes at $off (< 65536) back; returns the new $d.
  (func $snappyCopy (param $d i32) (param $off i32) (param $len i32) (result i32)
    ;; a 2-byte-offset copy carries 1-64 bytes: 64 at a time while at least 4 would be left
    (loop $long
      (if (i32.ge_u (local.get $len) (i32.const 68))
        (then
          (i32.store8 (local.get $d) (i32.const 0xfe))
          (i32.store16 offset=1 align=1 (local.get $d) (local.get $off))
          (local.set $d (i32.add (local.get $d) (i32.const 3)))
          (local.set $len (i32.sub (local.get $len) (i32.const 64)))
          (br $long))))
    (if (i32.gt_u (local.get $len) (i32.const 64))
      (then
        (i32.store8 (local.get $d) (i32.const 0xee))
        (i32.store16 offset=1 align=1 (local.get $d) (local.get $off))
        (local.set $d (i32.add (local.get $d) (i32.const 3)))
        (local.set $len (i32.sub (local.get $len) (i32.const 60)))))
    ;; 4-11 bytes within 2047 fit the 2-byte form: 3 bits of length, 3 high bits of offset
    (if (i32.and (i32.lt_u (local.get $len) (i32.const 12)) (i32.lt_u (local.get $off) (i32.const 2048)))
      (then
        (i32.store8 (local.get $d)
          (i32.or (i32.or (i32.const 1) (i32.shl (i32.sub (local.get $len) (i32.const 4)) (i32.const 2)))
            (i32.shl (i32.shr_u (local.get $off) (i32.const 8)) (i32.const 5))))
        (i32.store8 offset=1 (local.get $d) (local.get $off))
        (return (i32.add (local.get $d) (i32.const 2)))))
    (i32.store8 (local.get $d) (i32.or (i32.const 2) (i32.shl (i32.sub (local.get $len) (i32.const 1)) (i32.const 2))))
    (i32.store16 offset=1 align=1 (local.get $d) (local.get $off))
    (i32.add (local.get $d) (i32.const 3)))

  ;; Compresses the fragment [$src, $end) (at most 64 KiB) into the elements of a raw snappy
  ;; block at $dst, using a table of 2^$bits slots; returns where they end. A block is its
  ;; varint length, then its fragments' elements one after the other. The probe and the common
  ;; element shapes are written out here rather than called: V8 (node 20) does not inline wasm
  ;; calls, and a call per probe made it about 3 times slower.
  (func (export "snappy") (param $src i32) (param $end i32) (param $dst i32) (param $bits i32) (result i32)
    (local $d i32) (local $shift i32) (local $limit i32) (local $ip i32)
    (local $next i32) (local $skip i32) (local $slot i32) (local $cand i32) (local $anchor i32)
    (local $seq i32) (local $n i32) (local $off i32) (local $x i64)
    (local.set $d (local.get $dst))
    (local.set $anchor (local.get $src))
    (block $remainder
      ;; matches start at most $limit, 12 bytes before the end: the 4-byte probe and the first
      ;; 8-byte comparison after it stay inside the input
      (br_if $remainder (i32.lt_u (i32.sub (local.get $end) (local.get $src)) (i32.const 16)))
      (local.set $limit (i32.sub (local.get $end) (i32.const 12)))
      (local.set $shift (i32.sub (i32.const 32) (local.get $bits)))
      (memory.fill (i32.const 0) (i32.const 0) (i32.shl (i32.const 2) (local.get $bits)))
      (local.set $ip (i32.add (local.get $src) (i32.const 1)))
      (loop $search
        ;; probe 1 byte apart for 32 misses, then 2 apart for 32 more, and so on
        (local.set $skip (i32.const 32))
        (local.set $next (local.get $ip))
        (loop $probe
          (local.set $ip (local.get $next))
          (local.set $next (i32.add (local.get $ip) (i32.shr_u (local.get $skip) (i32.const 5))))
          (local.set $skip (i32.add (local.get $skip) (i32.const 1)))
          (br_if $remainder (i32.gt_u (local.get $ip) (local.get $limit)))
          (local.set $seq (i32.load align=1 (local.get $ip)))
          (local.set $slot (i32.shl (i32.shr_u (i32.mul (local.get $seq) (i32.const 0x9e3779b1))
            (local.get $shift)) (i32.const 1)))
          (local.set $cand (i32.add (local.get $src) (i32.load16_u (local.get $slot))))
          (i32.store16 (local.get $slot) (i32.sub (local.get $ip) (local.get $src)))
          (br_if $probe (i32.ne (i32.load align=1 (local.get $cand)) (local.get $seq))))
        ;; grow the match backwards over bytes the probing skipped
        (block $back
          (loop $b
            (br_if $back (i32.le_u (local.get $ip) (local.get $anchor)))
            (br_if $back (i32.le_u (local.get $cand) (local.get $src)))
            (br_if $back (i32.ne (i32.load8_u (i32.sub (local.get $ip) (i32.const 1)))
              (i32.load8_u (i32.sub (local.get $cand) (i32.const 1)))))
            (local.set $ip (i32.sub (local.get $ip) (i32.const 1)))
            (local.set $cand (i32.sub (local.get $cand) (i32.const 1)))
            (br $b)))
        ;; the literal before the match: up to 16 bytes by one tag and one 16-byte store
        (local.set $n (i32.sub (local.get $ip) (local.get $anchor)))
        (if (i32.le_u (local.get $n) (i32.const 16))
          (then
            (if (local.get $n)
              (then
                (i32.store8 (local.get $d) (i32.shl (i32.sub (local.get $n) (i32.const 1)) (i32.const 2)))
                (v128.store offset=1 align=1 (local.get $d) (v128.load align=1 (local.get $anchor)))
                (local.set $d (i32.add (i32.add (local.get $d) (i32.const 1)) (local.get $n))))))
          (else (local.set $d (call $snappyLiteral (local.get $d) (local.get $anchor) (local.get $ip)))))
        (loop $match
          ;; 4 bytes match; the next 8 are compared in one word, longer matches by $matchEnd
          (local.set $x (i64.xor (i64.load offset=4 align=1 (local.get $cand))
            (i64.load offset=4 align=1 (local.get $ip))))
          (if (i64.eqz (local.get $x))
            (then
              (local.set $n (i32.sub (call $matchEnd (i32.add (local.get $cand) (i32.const 12))
                (i32.add (local.get $ip) (i32.const 12)) (local.get $end)) (local.get $ip))))
            (else
              (local.set $n (i32.add (i32.const 4)
                (i32.wrap_i64 (i64.shr_u (i64.ctz (local.get $x)) (i64.const 3)))))))
          (local.set $off (i32.sub (local.get $ip) (local.get $cand)))
          (if (i32.and (i32.lt_u (local.get $n) (i32.const 12)) (i32.lt_u (local.get $off) (i32.const 2048)))
            (then
              (i32.store8 (local.get $d)
                (i32.or (i32.or (i32.const 1) (i32.shl (i32.sub (local.get $n) (i32.const 4)) (i32.const 2)))
                  (i32.shl (i32.shr_u (local.get $off) (i32.const 8)) (i32.const 5))))
              (i32.store8 offset=1 (local.get $d) (local.get $off))
              (local.set $d (i32.add (local.get $d) (i32.const 2))))
            (else (if (i32.le_u (local.get $n) (i32.const 64))
              (then
                (i32.store8 (local.get $d)
                  (i32.or (i32.const 2) (i32.shl (i32.sub (local.get $n) (i32.const 1)) (i32.const 2))))
                (i32.store16 offset=1 align=1 (local.get $d) (local.get $off))
                (local.set $d (i32.add (local.get $d) (i32.const 3))))
              (else
                (local.set $d (call $snappyCopy (local.get $d) (local.get $off) (local.get $n)))))))
          (local.set $ip (i32.add (local.get $ip) (local.get $n)))
          (local.set $anchor (local.get $ip))
          (br_if $remainder (i32.gt_u (local.get $ip) (local.get $limit)))
          ;; the position before goes in the table; then a match right here is taken at once
          (local.set $seq (i32.load align=1 (i32.sub (local.get $ip) (i32.const 1))))
          (i32.store16 (i32.shl (i32.shr_u (i32.mul (local.get $seq) (i32.const 0x9e3779b1))
            (local.get $shift)) (i32.const 1))
            (i32.sub (i32.sub (local.get $ip) (i32.const 1)) (local.get $src)))
          (local.set $seq (i32.load align=1 (local.get $ip)))
          (local.set $slot (i32.shl (i32.shr_u (i32.mul (local.get $seq) (i32.const 0x9e3779b1))
            (local.get $shift)) (i32.const 1)))
          (local.set $cand (i32.add (local.get $src) (i32.load16_u (local.get $slot))))
          (i32.store16 (local.get $slot) (i32.sub (local.get $ip) (local.get $src)))
          (br_if $match (i32.eq (i32.load align=1 (local.get $cand)) (local.get $seq))))
        (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
        (br $search)))
    (call $snappyLiteral (local.get $d) (local.get $anchor) (local.get $end)))

  ;; ---- LZ4 ----

  ;; The 255-byte continuation of a length field whose nibble was 15; returns the new $d.
  (func $lz4Length (param $d i32) (param $n i32) (result i32)
    (loop $more
      (if (i32.ge_u (local.get $n) (i32.const 255))
        (then
          (i32.store8 (local.get $d) (i32.const 255))
          (local.set $d (i32.add (local.get $d) (i32.const 1)))
          (local.set $n (i32.sub (local.get $n) (i32.const 255)))
          (br $more))))
    (i32.store8 (local.get $d) (local.get $n))
    (i32.add (local.get $d) (i32.const 1)))

  ;; Token and literals [$from, $to) at $d, the token's match nibble left 0; returns the new $d.
  (func $lz4Literals (param $d i32) (param $from i32) (param $to i32) (result i32)
    (local $n i32)
    (local.set $n (i32.sub (local.get $to) (local.get $from)))
    (if (i32.lt_u (local.get $n) (i32.const 15))
      (then
        (i32.store8 (local.get $d) (i32.shl (local.get $n) (i32.const 4)))
        (local.set $d (i32.add (local.get $d) (i32.const 1))))
      (else
        (i32.store8 (local.get $d) (i32.const 0xf0))
        (local.set $d (call $lz4Length (i32.add (local.get $d) (i32.const 1))
          (i32.sub (local.get $n) (i32.const 15))))))
    (call $copy (local.get $d) (local.get $from) (local.get $n)))

  ;; Compresses [$src, $end) (at most 64 KiB) into one LZ4 block at $dst with a table of
  ;; 2^$bits slots; returns the end of the block. The format's end rules: the last match starts
  ;; at least 12 bytes before the end, and the last 5 bytes are literals. Written out in place
  ;; as "snappy" is.
  (func (export "lz4") (param $src i32) (param $end i32) (param $dst i32) (param $bits i32) (result i32)
    (local $d i32) (local $token i32) (local $shift i32) (local $mflimit i32) (local $matchLimit i32)
    (local $ip i32) (local $next i32) (local $step i32) (local $slot i32) (local $cand i32)
    (local $anchor i32) (local $seq i32) (local $n i32) (local $e i32) (local $x i64)
    (local.set $d (local.get $dst))
    (local.set $anchor (local.get $src))
    (block $last
      (br_if $last (i32.le_u (i32.sub (local.get $end) (local.get $src)) (i32.const 12)))
      (local.set $mflimit (i32.sub (local.get $end) (i32.const 12)))
      (local.set $matchLimit (i32.sub (local.get $end) (i32.const 5)))
      (local.set $shift (i32.sub (i32.const 32) (local.get $bits)))
      (memory.fill (i32.const 0) (i32.const 0) (i32.shl (i32.const 2) (local.get $bits)))
      (local.set $ip (i32.add (local.get $src) (i32.const 1)))
      (loop $search
        ;; probe 1 byte apart for 64 misses, then 2 apart for 64 more, and so on
        (local.set $step (i32.const 64))
        (local.set $next (local.get $ip))
        (loop $probe
          (local.set $ip (local.get $next))
          (local.set $next (i32.add (local.get $ip) (i32.shr_u (local.get $step) (i32.const 6))))
          (local.set $step (i32.add (local.get $step) (i32.const 1)))
          (br_if $last (i32.ge_u (local.get $ip) (local.get $mflimit)))
          (local.set $seq (i32.load align=1 (local.get $ip)))
          (local.set $slot (i32.shl (i32.shr_u (i32.mul (local.get $seq) (i32.const 0x9e3779b1))
            (local.get $shift)) (i32.const 1)))
          (local.set $cand (i32.add (local.get $src) (i32.load16_u (local.get $slot))))
          (i32.store16 (local.get $slot) (i32.sub (local.get $ip) (local.get $src)))
          (br_if $probe (i32.ne (i32.load align=1 (local.get $cand)) (local.get $seq))))
        (block $back
          (loop $b
            (br_if $back (i32.le_u (local.get $ip) (local.get $anchor)))
            (br_if $back (i32.le_u (local.get $cand) (local.get $src)))
            (br_if $back (i32.ne (i32.load8_u (i32.sub (local.get $ip) (i32.const 1)))
              (i32.load8_u (i32.sub (local.get $cand) (i32.const 1)))))
            (local.set $ip (i32.sub (local.get $ip) (i32.const 1)))
            (local.set $cand (i32.sub (local.get $cand) (i32.const 1)))
            (br $b)))
        (loop $sequence
          ;; token and literals (possibly none; under 15 by one 16-byte store), then the offset
          (local.set $token (local.get $d))
          (local.set $n (i32.sub (local.get $ip) (local.get $anchor)))
          (if (i32.lt_u (local.get $n) (i32.const 15))
            (then
              (i32.store8 (local.get $d) (i32.shl (local.get $n) (i32.const 4)))
              (v128.store offset=1 align=1 (local.get $d) (v128.load align=1 (local.get $anchor)))
              (local.set $d (i32.add (i32.add (local.get $d) (i32.const 1)) (local.get $n))))
            (else (local.set $d (call $lz4Literals (local.get $d) (local.get $anchor) (local.get $ip)))))
          (i32.store16 align=1 (local.get $d) (i32.sub (local.get $ip) (local.get $cand)))
          (local.set $d (i32.add (local.get $d) (i32.const 2)))
          ;; 4 bytes match; the next 8 in one word when they end before $matchLimit
          (local.set $x (i64.xor (i64.load offset=4 align=1 (local.get $cand))
            (i64.load offset=4 align=1 (local.get $ip))))
          (if (i32.and (i64.ne (local.get $x) (i64.const 0))
                (i32.le_u (i32.add (local.get $ip) (i32.const 12)) (local.get $matchLimit)))
            (then
              (local.set $e (i32.add (i32.add (local.get $ip) (i32.const 4))
                (i32.wrap_i64 (i64.shr_u (i64.ctz (local.get $x)) (i64.const 3))))))
            (else
              (local.set $e (call $matchEnd (i32.add (local.get $cand) (i32.const 4))
                (i32.add (local.get $ip) (i32.const 4)) (local.get $matchLimit)))))
          (local.set $n (i32.sub (i32.sub (local.get $e) (local.get $ip)) (i32.const 4)))
          (local.set $ip (local.get $e))
          (local.set $anchor (local.get $ip))
          (if (i32.lt_u (local.get $n) (i32.const 15))
            (then
              (i32.store8 (local.get $token) (i32.or (i32.load8_u (local.get $token)) (local.get $n))))
            (else
              (i32.store8 (local.get $token) (i32.or (i32.load8_u (local.get $token)) (i32.const 15)))
              (local.set $d (call $lz4Length (local.get $d) (i32.sub (local.get $n) (i32.const 15))))))
          (br_if $last (i32.ge_u (local.get $ip) (local.get $mflimit)))
          ;; the position 2 back goes in the table; then a match right here is taken at once
          (local.set $seq (i32.load align=1 (i32.sub (local.get $ip) (i32.const 2))))
          (i32.store16 (i32.shl (i32.shr_u (i32.mul (local.get $seq) (i32.const 0x9e3779b1))
            (local.get $shift)) (i32.const 1))
            (i32.sub (i32.sub (local.get $ip) (i32.const 2)) (local.get $src)))
          (local.set $seq (i32.load align=1 (local.get $ip)))
          (local.set $slot (i32.shl (i32.shr_u (i32.mul (local.get $seq) (i32.const 0x9e3779b1))
            (local.get $shift)) (i32.const 1)))
          (local.set $cand (i32.add (local.get $src) (i32.load16_u (local.get $slot))))
          (i32.store16 (local.get $slot) (i32.sub (local.get $ip) (local.get $src)))
          (br_if $sequence (i32.eq (i32.load align=1 (local.get $cand)) (local.get $seq))))
        (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
        (br $search)))
    (call $lz4Literals (local.get $d) (local.get $anchor) (local.get $end)))
)
