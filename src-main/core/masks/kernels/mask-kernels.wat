;; Mask kernels in WebAssembly SIMD (128-bit), for the per-prompt hot path of SAM post-processing.
;; Source of truth; `npm run build:kernels` compiles it with wabt into mask-kernels.wasm.ts (committed),
;; and a unit test checks that the committed bytes are this file's compilation.
;;
;; Memory is imported (the caller owns it and makes onnxruntime write logits straight into it). All
;; pointers are byte offsets into it; float planes must be 4-byte aligned.
(module
  (import "env" "memory" (memory 1))

  ;; resample_rows(src, src_stride, rows, offsets, weights, dst, width, dst_stride)
  ;;
  ;; Horizontal resampling with four taps per output: for each of `rows` source rows (src + r·src_stride)
  ;; and each output x < width, with output row r at dst + r·dst_stride (bytes),
  ;;   dst_r[x] = (s[o]·w0 + s[o+2]·w2) + (s[o+1]·w1 + s[o+3]·w3)
  ;; with o = offsets[x] (a byte offset into the row, i32) and w = weights[4x … 4x+3] (f32, 16-byte
  ;; aligned). Taps outside a narrower filter carry weight 0. Four outputs a step: four products, then a
  ;; 4×4 transpose-and-add, so the scalar tail sums in the same order.
  (func (export "resample_rows")
    (param $src i32) (param $src_stride i32) (param $rows i32) (param $offs i32) (param $wts i32)
    (param $dst i32) (param $width i32) (param $dst_stride i32)
    (local $r i32) (local $x i32) (local $row i32) (local $out i32) (local $end4 i32) (local $o i32) (local $w i32)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128) (local $s01 v128) (local $s23 v128)
    (local.set $end4 (i32.and (local.get $width) (i32.const -4)))
    (local.set $r (i32.const 0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $row (i32.add (local.get $src) (i32.mul (local.get $r) (local.get $src_stride))))
        (local.set $out (i32.add (local.get $dst) (i32.mul (local.get $r) (local.get $dst_stride))))
        (local.set $x (i32.const 0))
        (block $simd_done
          (loop $simd
            (br_if $simd_done (i32.ge_u (local.get $x) (local.get $end4)))
            (local.set $o (i32.add (local.get $offs) (i32.shl (local.get $x) (i32.const 2))))
            (local.set $w (i32.add (local.get $wts) (i32.shl (local.get $x) (i32.const 4))))
            (local.set $m0 (f32x4.mul (v128.load align=4 (i32.add (local.get $row) (i32.load (local.get $o))))
                                      (v128.load (local.get $w))))
            (local.set $m1 (f32x4.mul (v128.load align=4 (i32.add (local.get $row) (i32.load offset=4 (local.get $o))))
                                      (v128.load offset=16 (local.get $w))))
            (local.set $m2 (f32x4.mul (v128.load align=4 (i32.add (local.get $row) (i32.load offset=8 (local.get $o))))
                                      (v128.load offset=32 (local.get $w))))
            (local.set $m3 (f32x4.mul (v128.load align=4 (i32.add (local.get $row) (i32.load offset=12 (local.get $o))))
                                      (v128.load offset=48 (local.get $w))))
            ;; s01 = [m0₀+m0₂, m0₁+m0₃, m1₀+m1₂, m1₁+m1₃]; s23 likewise; then lanes (0+1) of each pair.
            (local.set $s01
              (f32x4.add
                (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $m0) (local.get $m1))
                (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $m0) (local.get $m1))))
            (local.set $s23
              (f32x4.add
                (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $m2) (local.get $m3))
                (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $m2) (local.get $m3))))
            (v128.store align=4 (i32.add (local.get $out) (i32.shl (local.get $x) (i32.const 2)))
              (f32x4.add
                (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $s01) (local.get $s23))
                (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $s01) (local.get $s23))))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (br $simd)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $x) (local.get $width)))
            (local.set $m0
              (f32x4.mul
                (v128.load align=4 (i32.add (local.get $row) (i32.load (i32.add (local.get $offs) (i32.shl (local.get $x) (i32.const 2))))))
                (v128.load (i32.add (local.get $wts) (i32.shl (local.get $x) (i32.const 4))))))
            (f32.store (i32.add (local.get $out) (i32.shl (local.get $x) (i32.const 2)))
              (f32.add
                (f32.add (f32x4.extract_lane 0 (local.get $m0)) (f32x4.extract_lane 2 (local.get $m0)))
                (f32.add (f32x4.extract_lane 1 (local.get $m0)) (f32x4.extract_lane 3 (local.get $m0)))))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $tail)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  ;; resample_threshold(src, taps, dst, logits, width, height, offset, transitions, result, row_maxes,
  ;;                    skip_below, edges, x0, x1)
  ;;
  ;; Vertical resampling fused with thresholding. Output row y is the weighted sum of n ≤ 4 consecutive
  ;; source rows (width floats each, row-major from src):
  ;;   v = ((t₀·w₀ + t₁·w₁) + t₂·w₂) + t₃·w₃     (terms past n are skipped; n = 1 with w₀ = 1 is exact)
  ;; where taps + 32·y holds {i32 byte offset of row t₀ from src, i32 n, f32 w₀ … w₃}. Then:
  ;;   logits[y·width + x] = v                         (only when logits ≠ 0)
  ;;   dst[y·width + x] = v > 0 ? 1 : 0                 (one byte per pixel; with edges ≠ 0 only rows 0 and
  ;;                                                    height−1 are kept, see below)
  ;;   result[0] = #(v > offset), result[1] = #(v > -offset)   (SAM's stability counts, float32 compares)
  ;;   transitions = the row-major indices y·width + x (u32) of every pixel with y ≥ 1 whose mask value
  ;;   differs from the pixel above it, in increasing order; result[2] = how many.
  ;; row_maxes ≠ 0: the maximum of each source row (f32 per row, see row_maxima); an output row whose n
  ;; source rows all stay below skip_below, under a row without mask bits, has no mask bit and no
  ;; transition, so it is zero-filled without being resampled (most rows, for a small object). Only sound
  ;; for non-negative weights summing to 1 and a skip_below below −offset by more than the sums' rounding;
  ;; the caller decides (and passes logits = 0).
  ;; edges ≠ 0: mask row 0 goes to dst and rows y ≥ 1 alternate between dst + width (odd y) and
  ;; dst + 2·width (even y), so dst needs min(height, 3)·width bytes and the last row ends up at
  ;; dst + width·(2 − (height−1) mod 2) (height ≥ 2).
  ;; Only columns x0 ≤ x < x1 are resampled and written (0 ≤ x0 ≤ x1 ≤ width): the caller knows the
  ;; others have no mask bit and no count in any row, and zero-fills those mask bytes beforehand (skipped
  ;; rows are zero-filled whole).
  ;; NaN and -0 are not > 0, as in JS and torch. offset must be ≥ 0. The caller reserves (height−1)·width
  ;; u32 at `transitions`.
  (func (export "resample_threshold")
    (param $src i32) (param $taps i32) (param $dst i32) (param $logits i32) (param $width i32) (param $height i32)
    (param $offset f32) (param $trans i32) (param $result i32) (param $row_maxes i32) (param $skip_below f32)
    (param $edges i32) (param $x0 i32) (param $x1 i32)
    (local $prev_dst i32) (local $t0row i32) (local $skip_row i32) (local $prev_zero i32)
    (local $row_any v128) (local $tail_any i32) (local $mq i32) (local $mx f32)
    (local $y i32) (local $x i32) (local $simd_end i32) (local $stride i32) (local $tap i32) (local $n i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32) (local $row_dst i32) (local $row_log i32)
    (local $p i32) (local $q i32) (local $v f32) (local $bit i32) (local $bits i32) (local $base i32) (local $t i32)
    (local $above i32) (local $above_low i32)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128) (local $m v128)
    (local $la v128) (local $lb v128) (local $lc v128) (local $ld v128)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $hi v128) (local $lo v128) (local $acc_hi v128) (local $acc_lo v128)
    (local $hi_s f32) (local $lo_s f32)
    (local.set $hi_s (local.get $offset))
    (local.set $lo_s (f32.neg (local.get $offset)))
    (local.set $hi (f32x4.splat (local.get $hi_s)))
    (local.set $lo (f32x4.splat (local.get $lo_s)))
    (local.set $simd_end (i32.add (local.get $x0) (i32.and (i32.sub (local.get $x1) (local.get $x0)) (i32.const -16))))
    (local.set $stride (i32.shl (local.get $width) (i32.const 2)))
    (local.set $t (local.get $trans))
    (local.set $y (i32.const 0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $y) (local.get $height)))
        (local.set $tap (i32.add (local.get $taps) (i32.shl (local.get $y) (i32.const 5))))
        (local.set $r0 (i32.add (local.get $src) (i32.load (local.get $tap))))
        (local.set $t0row (i32.div_u (i32.load (local.get $tap)) (i32.add (local.get $stride) (i32.eqz (local.get $stride)))))
        (local.set $r1 (i32.add (local.get $r0) (local.get $stride)))
        (local.set $r2 (i32.add (local.get $r1) (local.get $stride)))
        (local.set $r3 (i32.add (local.get $r2) (local.get $stride)))
        (local.set $n (i32.load offset=4 (local.get $tap)))
        (local.set $w0 (v128.load32_splat offset=8 (local.get $tap)))
        (local.set $w1 (v128.load32_splat offset=12 (local.get $tap)))
        (local.set $w2 (v128.load32_splat offset=16 (local.get $tap)))
        (local.set $w3 (v128.load32_splat offset=20 (local.get $tap)))
        ;; Mask rows: the whole plane, or (edges ≠ 0) row 0 at dst and later rows alternating between
        ;; dst + width and dst + 2·width, which is all the RLE needs besides the transitions.
        (local.set $prev_dst (local.get $row_dst))
        (local.set $row_dst
          (if (result i32) (i32.and (local.get $edges) (i32.gt_u (local.get $y) (i32.const 0)))
            (then (i32.add (local.get $dst) (i32.mul (local.get $width) (i32.sub (i32.const 2) (i32.and (local.get $y) (i32.const 1))))))
            (else (i32.add (local.get $dst) (i32.mul (i32.mul (local.get $y) (i32.eqz (local.get $edges))) (local.get $width))))))
        (local.set $row_log (i32.add (local.get $logits) (i32.mul (local.get $y) (local.get $stride))))
        ;; A whole row below skip_below (row maxima) under a row with no mask bit has no mask bit and no
        ;; transition either: its mask row is zero-filled and nothing else is done.
        (local.set $skip_row (i32.const 0))
        (if (i32.and (local.get $prev_zero) (i32.ne (local.get $row_maxes) (i32.const 0)))
          (then
            (local.set $mq (i32.add (local.get $row_maxes) (i32.shl (local.get $t0row) (i32.const 2))))
            (local.set $mx (f32.load (local.get $mq)))
            (if (i32.gt_u (local.get $n) (i32.const 1)) (then (local.set $mx (f32.max (local.get $mx) (f32.load offset=4 (local.get $mq))))))
            (if (i32.gt_u (local.get $n) (i32.const 2)) (then (local.set $mx (f32.max (local.get $mx) (f32.load offset=8 (local.get $mq))))))
            (if (i32.gt_u (local.get $n) (i32.const 3)) (then (local.set $mx (f32.max (local.get $mx) (f32.load offset=12 (local.get $mq))))))
            (local.set $skip_row (f32.lt (local.get $mx) (local.get $skip_below)))))
        (if (local.get $skip_row)
          (then (memory.fill (local.get $row_dst) (i32.const 0) (local.get $width)))
          (else
            (local.set $row_any (v128.const i32x4 0 0 0 0))
            (local.set $tail_any (i32.const 0))
            ;; 16 pixels a step: four f32x4 sums, compared and narrowed to one i8x16 of 0/-1, masked to 0/1.
            (local.set $x (local.get $x0))
            (block $simd_done
              (loop $simd
                (br_if $simd_done (i32.ge_u (local.get $x) (local.get $simd_end)))
                (local.set $p (i32.shl (local.get $x) (i32.const 2)))
                (local.set $m (v128.const i32x4 0 0 0 0))
                (local.set $q (i32.add (local.get $r0) (local.get $p)))
                (local.set $a (f32x4.mul (v128.load align=4 (local.get $q)) (local.get $w0)))
                (local.set $b (f32x4.mul (v128.load offset=16 align=4 (local.get $q)) (local.get $w0)))
                (local.set $c (f32x4.mul (v128.load offset=32 align=4 (local.get $q)) (local.get $w0)))
                (local.set $d (f32x4.mul (v128.load offset=48 align=4 (local.get $q)) (local.get $w0)))
                (if (i32.gt_u (local.get $n) (i32.const 1))
                  (then
                    (local.set $q (i32.add (local.get $r1) (local.get $p)))
                    (local.set $a (f32x4.add (local.get $a) (f32x4.mul (v128.load align=4 (local.get $q)) (local.get $w1))))
                    (local.set $b (f32x4.add (local.get $b) (f32x4.mul (v128.load offset=16 align=4 (local.get $q)) (local.get $w1))))
                    (local.set $c (f32x4.add (local.get $c) (f32x4.mul (v128.load offset=32 align=4 (local.get $q)) (local.get $w1))))
                    (local.set $d (f32x4.add (local.get $d) (f32x4.mul (v128.load offset=48 align=4 (local.get $q)) (local.get $w1))))
                    (if (i32.gt_u (local.get $n) (i32.const 2))
                      (then
                        (local.set $q (i32.add (local.get $r2) (local.get $p)))
                        (local.set $a (f32x4.add (local.get $a) (f32x4.mul (v128.load align=4 (local.get $q)) (local.get $w2))))
                        (local.set $b (f32x4.add (local.get $b) (f32x4.mul (v128.load offset=16 align=4 (local.get $q)) (local.get $w2))))
                        (local.set $c (f32x4.add (local.get $c) (f32x4.mul (v128.load offset=32 align=4 (local.get $q)) (local.get $w2))))
                        (local.set $d (f32x4.add (local.get $d) (f32x4.mul (v128.load offset=48 align=4 (local.get $q)) (local.get $w2))))
                        (if (i32.gt_u (local.get $n) (i32.const 3))
                          (then
                            (local.set $q (i32.add (local.get $r3) (local.get $p)))
                            (local.set $a (f32x4.add (local.get $a) (f32x4.mul (v128.load align=4 (local.get $q)) (local.get $w3))))
                            (local.set $b (f32x4.add (local.get $b) (f32x4.mul (v128.load offset=16 align=4 (local.get $q)) (local.get $w3))))
                            (local.set $c (f32x4.add (local.get $c) (f32x4.mul (v128.load offset=32 align=4 (local.get $q)) (local.get $w3))))
                            (local.set $d (f32x4.add (local.get $d) (f32x4.mul (v128.load offset=48 align=4 (local.get $q)) (local.get $w3))))))))))
                (if (local.get $logits)
                  (then
                    (local.set $q (i32.add (local.get $row_log) (local.get $p)))
                    (v128.store align=4 (local.get $q) (local.get $a))
                    (v128.store offset=16 align=4 (local.get $q) (local.get $b))
                    (v128.store offset=32 align=4 (local.get $q) (local.get $c))
                    (v128.store offset=48 align=4 (local.get $q) (local.get $d))))
                ;; Lanes above −offset count towards result[1]. A step with none (most of an image, outside the
                ;; object) has no mask bit and nothing above +offset either (−offset ≤ 0 ≤ offset), so it skips
                ;; the rest of the compares.
                (local.set $la (f32x4.gt (local.get $a) (local.get $lo)))
                (local.set $lb (f32x4.gt (local.get $b) (local.get $lo)))
                (local.set $lc (f32x4.gt (local.get $c) (local.get $lo)))
                (local.set $ld (f32x4.gt (local.get $d) (local.get $lo)))
                (if (v128.any_true (v128.or (v128.or (local.get $la) (local.get $lb)) (v128.or (local.get $lc) (local.get $ld))))
                  (then
                    (local.set $m
                      (v128.and
                        (i8x16.narrow_i16x8_s
                          (i16x8.narrow_i32x4_s
                            (f32x4.gt (local.get $a) (v128.const f32x4 0 0 0 0))
                            (f32x4.gt (local.get $b) (v128.const f32x4 0 0 0 0)))
                          (i16x8.narrow_i32x4_s
                            (f32x4.gt (local.get $c) (v128.const f32x4 0 0 0 0))
                            (f32x4.gt (local.get $d) (v128.const f32x4 0 0 0 0))))
                        (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1)))
                    ;; Compare results are -1 per lane: subtracting them counts.
                    (local.set $acc_hi
                      (i32x4.sub (local.get $acc_hi)
                        (i32x4.add
                          (i32x4.add (f32x4.gt (local.get $a) (local.get $hi)) (f32x4.gt (local.get $b) (local.get $hi)))
                          (i32x4.add (f32x4.gt (local.get $c) (local.get $hi)) (f32x4.gt (local.get $d) (local.get $hi))))))
                    (local.set $acc_lo
                      (i32x4.sub (local.get $acc_lo)
                        (i32x4.add (i32x4.add (local.get $la) (local.get $lb)) (i32x4.add (local.get $lc) (local.get $ld)))))))
                (local.set $q (i32.add (local.get $row_dst) (local.get $x)))
                (v128.store align=1 (local.get $q) (local.get $m))
                (local.set $row_any (v128.or (local.get $row_any) (local.get $m)))
                ;; Vertical transitions: a 16-bit mask of the lanes that differ from the row above, then one
                ;; store per set bit (count trailing zeros), so speckled masks cost their transitions only.
                (if (i32.gt_u (local.get $y) (i32.const 0))
                  (then
                    (local.set $bits
                      (i8x16.bitmask (i8x16.ne (local.get $m) (v128.load align=1 (i32.add (local.get $prev_dst) (local.get $x))))))
                    (local.set $base (i32.add (i32.mul (local.get $y) (local.get $width)) (local.get $x)))
                    (block $bits_done
                      (loop $each_bit
                        (br_if $bits_done (i32.eqz (local.get $bits)))
                        (i32.store (local.get $t) (i32.add (local.get $base) (i32.ctz (local.get $bits))))
                        (local.set $t (i32.add (local.get $t) (i32.const 4)))
                        (local.set $bits (i32.and (local.get $bits) (i32.sub (local.get $bits) (i32.const 1))))
                        (br $each_bit)))))
                (local.set $x (i32.add (local.get $x) (i32.const 16)))
                (br $simd)))
            ;; The range's last (x1 − x0) mod 16 pixels, one at a time, summed in the same order.
            (block $tail_done
              (loop $tail
                (br_if $tail_done (i32.ge_u (local.get $x) (local.get $x1)))
                (local.set $p (i32.shl (local.get $x) (i32.const 2)))
                (local.set $v (f32.mul (f32.load (i32.add (local.get $r0) (local.get $p))) (f32x4.extract_lane 0 (local.get $w0))))
                (if (i32.gt_u (local.get $n) (i32.const 1))
                  (then
                    (local.set $v (f32.add (local.get $v)
                      (f32.mul (f32.load (i32.add (local.get $r1) (local.get $p))) (f32x4.extract_lane 0 (local.get $w1)))))
                    (if (i32.gt_u (local.get $n) (i32.const 2))
                      (then
                        (local.set $v (f32.add (local.get $v)
                          (f32.mul (f32.load (i32.add (local.get $r2) (local.get $p))) (f32x4.extract_lane 0 (local.get $w2)))))
                        (if (i32.gt_u (local.get $n) (i32.const 3))
                          (then
                            (local.set $v (f32.add (local.get $v)
                              (f32.mul (f32.load (i32.add (local.get $r3) (local.get $p))) (f32x4.extract_lane 0 (local.get $w3)))))))))))
                (if (local.get $logits)
                  (then (f32.store (i32.add (local.get $row_log) (local.get $p)) (local.get $v))))
                (local.set $bit (f32.gt (local.get $v) (f32.const 0)))
                (local.set $q (i32.add (local.get $row_dst) (local.get $x)))
                (i32.store8 (local.get $q) (local.get $bit))
                (local.set $tail_any (i32.or (local.get $tail_any) (local.get $bit)))
                (local.set $above (i32.add (local.get $above) (f32.gt (local.get $v) (local.get $hi_s))))
                (local.set $above_low (i32.add (local.get $above_low) (f32.gt (local.get $v) (local.get $lo_s))))
                (if (i32.gt_u (local.get $y) (i32.const 0))
                  (then
                    (if (i32.ne (local.get $bit) (i32.load8_u (i32.add (local.get $prev_dst) (local.get $x))))
                      (then
                        (i32.store (local.get $t) (i32.add (i32.mul (local.get $y) (local.get $width)) (local.get $x)))
                        (local.set $t (i32.add (local.get $t) (i32.const 4)))))))
                (local.set $x (i32.add (local.get $x) (i32.const 1)))
                (br $tail)))
            (local.set $prev_zero
              (i32.eqz (i32.or (v128.any_true (local.get $row_any)) (local.get $tail_any))))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows)))
    (i32.store (local.get $result)
      (i32.add (local.get $above)
        (i32.add
          (i32.add (i32x4.extract_lane 0 (local.get $acc_hi)) (i32x4.extract_lane 1 (local.get $acc_hi)))
          (i32.add (i32x4.extract_lane 2 (local.get $acc_hi)) (i32x4.extract_lane 3 (local.get $acc_hi))))))
    (i32.store offset=4 (local.get $result)
      (i32.add (local.get $above_low)
        (i32.add
          (i32.add (i32x4.extract_lane 0 (local.get $acc_lo)) (i32x4.extract_lane 1 (local.get $acc_lo)))
          (i32.add (i32x4.extract_lane 2 (local.get $acc_lo)) (i32x4.extract_lane 3 (local.get $acc_lo))))))
    (i32.store offset=8 (local.get $result)
      (i32.shr_u (i32.sub (local.get $t) (local.get $trans)) (i32.const 2))))
  ;; column_maxima(src, rows, width, dst): the maximum of each of `width` columns over `rows` rows of
  ;; width floats (row-major from src) to dst (f32 per column). A NaN anywhere in a column makes its
  ;; maximum NaN (wasm's max), so a caller testing "max < bound" never skips it. rows ≥ 1.
  (func (export "column_maxima") (param $src i32) (param $rows i32) (param $width i32) (param $dst i32)
    (local $r i32) (local $c i32) (local $row i32) (local $end4 i32) (local $at i32)
    (local.set $end4 (i32.and (local.get $width) (i32.const -4)))
    (memory.copy (local.get $dst) (local.get $src) (i32.shl (local.get $width) (i32.const 2)))
    (local.set $r (i32.const 1))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $row (i32.add (local.get $src) (i32.shl (i32.mul (local.get $r) (local.get $width)) (i32.const 2))))
        (local.set $c (i32.const 0))
        (block $simd_done
          (loop $simd
            (br_if $simd_done (i32.ge_u (local.get $c) (local.get $end4)))
            (local.set $at (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2))))
            (v128.store align=4 (local.get $at)
              (f32x4.max (v128.load align=4 (local.get $at))
                         (v128.load align=4 (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2))))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $simd)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $c) (local.get $width)))
            (local.set $at (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2))))
            (f32.store (local.get $at)
              (f32.max (f32.load (local.get $at)) (f32.load (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2))))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $tail)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  ;; row_maxima(src, rows, width, dst): the maximum of each of `rows` rows of width floats (row-major from
  ;; src) to dst (f32 per row). Values must not be NaN.
  (func (export "row_maxima") (param $src i32) (param $rows i32) (param $width i32) (param $dst i32)
    (local $r i32) (local $p i32) (local $end i32) (local $simd_end i32) (local $v v128) (local $row f32)
    (local.set $r (i32.const 0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $p (i32.add (local.get $src) (i32.shl (i32.mul (local.get $r) (local.get $width)) (i32.const 2))))
        (local.set $end (i32.add (local.get $p) (i32.shl (local.get $width) (i32.const 2))))
        (local.set $simd_end (i32.add (local.get $p) (i32.shl (i32.and (local.get $width) (i32.const -4)) (i32.const 2))))
        (local.set $v (v128.const f32x4 -inf -inf -inf -inf))
        (block $simd_done
          (loop $simd
            (br_if $simd_done (i32.ge_u (local.get $p) (local.get $simd_end)))
            (local.set $v (f32x4.max (local.get $v) (v128.load align=4 (local.get $p))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $simd)))
        (local.set $row
          (f32.max
            (f32.max (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
            (f32.max (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $row (f32.max (local.get $row) (f32.load (local.get $p))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $tail)))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2))) (local.get $row))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))
)
