;; Source of the module embedded (base64) in snappy-wasm.ts. Assemble with wabt 1.0.36:
;;   npx -y -p wabt@1.0.36 wat2wasm snappy-wasm.wat -o snappy-wasm.wasm && base64 -w0 snappy-wasm.wasm
;; JS copies the compressed bytes into memory and reserves the output region plus SLACK bytes
;; after both (see snappy-wasm.ts): short literals and copies move 16 or 8 bytes at a time and
;; may read past the input or write past the element. Every overshoot lands in bytes that are
;; written again before anything reads them, or in the slack.
(module
  (memory (export "memory") 1)

  ;; Decodes the elements of one raw snappy block, src[s, end), into out[0, room) (the varint is
  ;; already read). Returns the bytes written, or -1 for any malformed element; JS then runs the
  ;; JS decoder on the block, which names the error. The checks are those of snappy-block.ts.
  (func (export "decode") (param $s i32) (param $end i32) (param $out i32) (param $room i32) (result i32)
    (local $d i32) (local $tag i32) (local $n i32) (local $p i32) (local $off i32) (local $extra i32)
    (local $w i32) (local $from i32) (local $stop i32)
    (block $fail
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get $s) (local.get $end)))
          (local.set $tag (i32.load8_u (local.get $s)))
          (if (i32.eqz (i32.and (local.get $tag) (i32.const 3)))
            (then
              ;; literal
              (local.set $n (i32.add (i32.shr_u (local.get $tag) (i32.const 2)) (i32.const 1)))
              (local.set $p (i32.add (local.get $s) (i32.const 1)))
              (if (i32.gt_u (local.get $n) (i32.const 60))
                (then
                  (local.set $extra (i32.sub (local.get $n) (i32.const 60)))
                  (br_if $fail (i32.gt_s (local.get $extra) (i32.sub (local.get $end) (local.get $p))))
                  (local.set $off (i32.load8_u (local.get $p)))
                  (if (i32.gt_u (local.get $extra) (i32.const 1))
                    (then (local.set $off (i32.or (local.get $off)
                      (i32.shl (i32.load8_u offset=1 (local.get $p)) (i32.const 8))))))
                  (if (i32.gt_u (local.get $extra) (i32.const 2))
                    (then (local.set $off (i32.or (local.get $off)
                      (i32.shl (i32.load8_u offset=2 (local.get $p)) (i32.const 16))))))
                  (if (i32.gt_u (local.get $extra) (i32.const 3))
                    (then (local.set $off (i32.or (local.get $off)
                      (i32.shl (i32.load8_u offset=3 (local.get $p)) (i32.const 24))))))
                  (local.set $p (i32.add (local.get $p) (local.get $extra)))
                  ;; negative (2 GiB or more) or not inside the block
                  (br_if $fail (i32.lt_s (local.get $off) (i32.const 0)))
                  (br_if $fail (i32.ge_s (local.get $off) (i32.sub (local.get $end) (local.get $p))))
                  (local.set $n (i32.add (local.get $off) (i32.const 1)))))
              (br_if $fail (i32.gt_s (local.get $n) (i32.sub (local.get $end) (local.get $p))))
              (br_if $fail (i32.gt_s (local.get $n) (i32.sub (local.get $room) (local.get $d))))
              (if (i32.le_u (local.get $n) (i32.const 16))
                (then
                  (v128.store align=1 (i32.add (local.get $out) (local.get $d))
                    (v128.load align=1 (local.get $p))))
                (else
                  (memory.copy (i32.add (local.get $out) (local.get $d)) (local.get $p) (local.get $n))))
              (local.set $d (i32.add (local.get $d) (local.get $n)))
              (local.set $s (i32.add (local.get $p) (local.get $n)))
              (br $next)))
          ;; copy
          (if (i32.eq (i32.and (local.get $tag) (i32.const 3)) (i32.const 1))
            (then
              (br_if $fail (i32.lt_s (i32.sub (local.get $end) (local.get $s)) (i32.const 2)))
              (local.set $n (i32.add (i32.and (i32.shr_u (local.get $tag) (i32.const 2)) (i32.const 7)) (i32.const 4)))
              (local.set $off (i32.or (i32.shl (i32.shr_u (local.get $tag) (i32.const 5)) (i32.const 8))
                (i32.load8_u offset=1 (local.get $s))))
              (local.set $s (i32.add (local.get $s) (i32.const 2))))
            (else
              (if (i32.eq (i32.and (local.get $tag) (i32.const 3)) (i32.const 2))
                (then
                  (br_if $fail (i32.lt_s (i32.sub (local.get $end) (local.get $s)) (i32.const 3)))
                  (local.set $off (i32.load16_u offset=1 align=1 (local.get $s)))
                  (local.set $s (i32.add (local.get $s) (i32.const 3))))
                (else
                  (br_if $fail (i32.lt_s (i32.sub (local.get $end) (local.get $s)) (i32.const 5)))
                  (local.set $off (i32.load offset=1 align=1 (local.get $s)))
                  (local.set $s (i32.add (local.get $s) (i32.const 5)))))
              (local.set $n (i32.add (i32.shr_u (local.get $tag) (i32.const 2)) (i32.const 1)))))
          (br_if $fail (i32.eqz (local.get $off)))
          ;; signed: an offset of 2 GiB or more is refused too
          (br_if $fail (i32.lt_s (local.get $off) (i32.const 0)))
          (br_if $fail (i32.gt_s (local.get $off) (local.get $d)))
          (br_if $fail (i32.gt_s (local.get $n) (i32.sub (local.get $room) (local.get $d))))
          (local.set $w (i32.add (local.get $out) (local.get $d)))
          (local.set $from (i32.sub (local.get $w) (local.get $off)))
          (local.set $stop (i32.add (local.get $w) (local.get $n)))
          (if (i32.ge_u (local.get $off) (i32.const 16))
            (then
              ;; 16 bytes at a time forwards: each load reads only bytes already final
              (loop $c16
                (v128.store align=1 (local.get $w) (v128.load align=1 (local.get $from)))
                (local.set $w (i32.add (local.get $w) (i32.const 16)))
                (local.set $from (i32.add (local.get $from) (i32.const 16)))
                (br_if $c16 (i32.lt_u (local.get $w) (local.get $stop)))))
            (else
              (if (i32.ge_u (local.get $off) (i32.const 8))
                (then
                  (loop $c8
                    (i64.store align=1 (local.get $w) (i64.load align=1 (local.get $from)))
                    (local.set $w (i32.add (local.get $w) (i32.const 8)))
                    (local.set $from (i32.add (local.get $from) (i32.const 8)))
                    (br_if $c8 (i32.lt_u (local.get $w) (local.get $stop)))))
                (else
                  (if (i32.eq (local.get $off) (i32.const 1))
                    (then (memory.fill (local.get $w) (i32.load8_u (local.get $from)) (local.get $n)))
                    (else
                      ;; Overlapping by less than a word: 8 bytes one by one lay the pattern
                      ;; down, then words are read from dist = off * ceil(8 / off) back, a
                      ;; whole number of periods, which is at least 8 (so final) and never
                      ;; before the source (dist <= 8 + off).
                      (local.set $extra (i32.add (local.get $w) (i32.const 8)))
                      (loop $c1
                        (i32.store8 (local.get $w) (i32.load8_u (local.get $from)))
                        (local.set $w (i32.add (local.get $w) (i32.const 1)))
                        (local.set $from (i32.add (local.get $from) (i32.const 1)))
                        (br_if $c1 (i32.lt_u (local.get $w) (local.get $extra))))
                      (if (i32.lt_u (local.get $w) (local.get $stop))
                        (then
                          (local.set $from (i32.sub (local.get $w)
                            (i32.mul (local.get $off)
                              (i32.div_u (i32.add (local.get $off) (i32.const 7)) (local.get $off)))))
                          (loop $c8b
                            (i64.store align=1 (local.get $w) (i64.load align=1 (local.get $from)))
                            (local.set $w (i32.add (local.get $w) (i32.const 8)))
                            (local.set $from (i32.add (local.get $from) (i32.const 8)))
                            (br_if $c8b (i32.lt_u (local.get $w) (local.get $stop))))))))))))
          (local.set $d (i32.add (local.get $d) (local.get $n)))
          (br $next)))
      (return (local.get $d)))
    (i32.const -1)))
