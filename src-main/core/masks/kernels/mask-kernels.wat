;; Mask kernels in WebAssembly SIMD (128-bit), for the per-prompt hot path of SAM post-processing.
;; Source of truth; `npm run build:kernels` compiles it with wabt into mask-kernels.wasm.ts (committed),
;; and a unit test checks that the committed bytes are this file's compilation.
;;
;; Memory is imported (the caller owns it and makes onnxruntime write logits straight into it). All
;; pointers are byte offsets into it; float planes must be 4-byte aligned.
(module
  (import "env" "memory" (memory 1))

  ;; threshold_plane(src, dst, width, height, offset, transitions, result)
  ;;
  ;; For the row-major float32 plane src (width×height logits):
  ;;   dst[i] = src[i] > 0 ? 1 : 0                      (one byte per pixel, row-major)
  ;;   result[0] = #(src > offset), result[1] = #(src > -offset)   (SAM's stability counts, float32 compares)
  ;;   transitions = the row-major indices y·width + x (u32) of every pixel with y ≥ 1 whose mask value
  ;;   differs from the pixel above it, in increasing order; result[2] = how many.
  ;; NaN and -0 are not > 0, as in JS and torch. The caller reserves (height−1)·width u32 at `transitions`.
  (func (export "threshold_plane")
    (param $src i32) (param $dst i32) (param $width i32) (param $height i32) (param $offset f32)
    (param $trans i32) (param $result i32)
    (local $y i32) (local $x i32) (local $simd_end i32) (local $row_src i32) (local $row_dst i32)
    (local $p i32) (local $q i32) (local $v f32) (local $bit i32) (local $bits i32) (local $base i32) (local $t i32)
    (local $above i32) (local $above_low i32)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128) (local $m v128)
    (local $hi v128) (local $lo v128) (local $acc_hi v128) (local $acc_lo v128)
    (local $hi_s f32) (local $lo_s f32)
    (local.set $hi_s (local.get $offset))
    (local.set $lo_s (f32.neg (local.get $offset)))
    (local.set $hi (f32x4.splat (local.get $hi_s)))
    (local.set $lo (f32x4.splat (local.get $lo_s)))
    (local.set $simd_end (i32.and (local.get $width) (i32.const -16)))
    (local.set $t (local.get $trans))
    (local.set $y (i32.const 0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $y) (local.get $height)))
        (local.set $row_src (i32.add (local.get $src) (i32.shl (i32.mul (local.get $y) (local.get $width)) (i32.const 2))))
        (local.set $row_dst (i32.add (local.get $dst) (i32.mul (local.get $y) (local.get $width))))
        ;; 16 pixels a step: four f32x4 compares narrowed to one i8x16 of 0/-1, masked to 0/1.
        (local.set $x (i32.const 0))
        (block $simd_done
          (loop $simd
            (br_if $simd_done (i32.ge_u (local.get $x) (local.get $simd_end)))
            (local.set $p (i32.add (local.get $row_src) (i32.shl (local.get $x) (i32.const 2))))
            (local.set $a (v128.load align=4 (local.get $p)))
            (local.set $b (v128.load offset=16 align=4 (local.get $p)))
            (local.set $c (v128.load offset=32 align=4 (local.get $p)))
            (local.set $d (v128.load offset=48 align=4 (local.get $p)))
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
            (local.set $q (i32.add (local.get $row_dst) (local.get $x)))
            (v128.store align=1 (local.get $q) (local.get $m))
            ;; Compare results are -1 per lane: subtracting them counts.
            (local.set $acc_hi
              (i32x4.sub (local.get $acc_hi)
                (i32x4.add
                  (i32x4.add (f32x4.gt (local.get $a) (local.get $hi)) (f32x4.gt (local.get $b) (local.get $hi)))
                  (i32x4.add (f32x4.gt (local.get $c) (local.get $hi)) (f32x4.gt (local.get $d) (local.get $hi))))))
            (local.set $acc_lo
              (i32x4.sub (local.get $acc_lo)
                (i32x4.add
                  (i32x4.add (f32x4.gt (local.get $a) (local.get $lo)) (f32x4.gt (local.get $b) (local.get $lo)))
                  (i32x4.add (f32x4.gt (local.get $c) (local.get $lo)) (f32x4.gt (local.get $d) (local.get $lo))))))
            ;; Vertical transitions: a 16-bit mask of the lanes that differ from the row above, then one
            ;; store per set bit (count trailing zeros), so speckled masks cost their transitions only.
            (if (i32.gt_u (local.get $y) (i32.const 0))
              (then
                (local.set $bits
                  (i8x16.bitmask (i8x16.ne (local.get $m) (v128.load align=1 (i32.sub (local.get $q) (local.get $width))))))
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
        ;; The row's last width mod 16 pixels, one at a time.
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $x) (local.get $width)))
            (local.set $v (f32.load (i32.add (local.get $row_src) (i32.shl (local.get $x) (i32.const 2)))))
            (local.set $bit (f32.gt (local.get $v) (f32.const 0)))
            (local.set $q (i32.add (local.get $row_dst) (local.get $x)))
            (i32.store8 (local.get $q) (local.get $bit))
            (local.set $above (i32.add (local.get $above) (f32.gt (local.get $v) (local.get $hi_s))))
            (local.set $above_low (i32.add (local.get $above_low) (f32.gt (local.get $v) (local.get $lo_s))))
            (if (i32.gt_u (local.get $y) (i32.const 0))
              (then
                (if (i32.ne (local.get $bit) (i32.load8_u (i32.sub (local.get $q) (local.get $width))))
                  (then
                    (i32.store (local.get $t) (i32.add (i32.mul (local.get $y) (local.get $width)) (local.get $x)))
                    (local.set $t (i32.add (local.get $t) (i32.const 4)))))))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $tail)))
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
)
