// Training kernels in WebAssembly SIMD that run on the wasm backend's own heap (its memory is imported).
// Built by scripts/build-simd.mjs into kernelsBinary.ts, twice: with relaxed SIMD (fused multiply-add)
// and with plain SIMD for engines without it; Adam uses plain operations in both.
// They must not touch memory of their own: no static data, no stack (only scalar and v128 locals), so
// nothing of the backend's heap is overwritten. Every buffer is passed in by pointer; scratch space too.
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

// Columns of B per panel (two v128) and rows of A per tile: 8 accumulators leave registers for the
// operands, which V8 keeps out of memory on x64 (larger tiles spill and run slower).
#define PANEL_COLS 8
#define TILE_ROWS 4
// Depth of a panel: 512×8 floats (16 KiB) stay in L1 while every row tile of A streams past them.
#define PANEL_DEPTH 512

// Floats of scratch that gemm needs: one bias row and one packed panel.
EXPORT("gemm_scratch_floats") int gemm_scratch_floats(void) { return PANEL_COLS + PANEL_COLS * PANEL_DEPTH; }

// acc + a·b. The relaxed-SIMD build fuses it where the CPU has FMA (one instruction instead of two, and
// x64 has only 16 vector registers, so this is what lifts the tile's speed); results may then differ in
// the last bit between machines, which a matrix product tolerates.
#ifdef RELAXED_SIMD
static inline v128_t madd(v128_t acc, v128_t a, v128_t b) { return wasm_f32x4_relaxed_madd(a, b, acc); }
#else
static inline v128_t madd(v128_t acc, v128_t a, v128_t b) { return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b)); }
#endif

// The first `cols` (< 8) lanes of lo:hi to dst.
static inline void store_partial(float* dst, v128_t lo, v128_t hi, int cols) {
  v128_t rest = lo;
  if (cols >= 4) {
    wasm_v128_store(dst, lo);
    rest = hi;
    dst += 4;
    cols -= 4;
  }
  if (cols >= 1) dst[0] = wasm_f32x4_extract_lane(rest, 0);
  if (cols >= 2) dst[1] = wasm_f32x4_extract_lane(rest, 1);
  if (cols >= 3) dst[2] = wasm_f32x4_extract_lane(rest, 2);
}

static inline void store_row(float* dst, v128_t lo, v128_t hi, int cols, int relu) {
  if (relu) {
    v128_t zero = wasm_f32x4_splat(0);
    lo = wasm_f32x4_pmax(zero, lo);
    hi = wasm_f32x4_pmax(zero, hi);
  }
  if (cols == PANEL_COLS) {
    wasm_v128_store(dst, lo);
    wasm_v128_store(dst + 4, hi);
  } else {
    store_partial(dst, lo, hi, cols);
  }
}

// Starting values of a row of the tile: the bias row on the first panel of depth, else what C holds.
static inline v128_t start_lo(const float* c, const float* bias, int first, int cols) {
  if (first) return wasm_v128_load(bias);
  return cols >= 4 ? wasm_v128_load(c) : wasm_f32x4_make(c[0], cols > 1 ? c[1] : 0, cols > 2 ? c[2] : 0, 0);
}
static inline v128_t start_hi(const float* c, const float* bias, int first, int cols) {
  if (first) return wasm_v128_load(bias + 4);
  if (cols == PANEL_COLS) return wasm_v128_load(c + 4);
  return cols > 4 ? wasm_f32x4_make(c[4], cols > 5 ? c[5] : 0, cols > 6 ? c[6] : 0, 0) : wasm_f32x4_splat(0);
}

// C[M,N] = op(A)·B + bias, optionally followed by ReLU.
//   A is [M,K] row-major, or [K,M] when trans_a (A^T stored: the weight gradient x^T·dy needs no copy).
//   B is [K,N] row-major; bias is N floats or null; scratch holds gemm_scratch_floats() floats.
// Panels of B (8 columns × up to PANEL_DEPTH rows, zero-padded past N) are packed contiguously; each
// tile of 4 rows of A × 8 columns accumulates in registers. Rows past M reuse row M−1 (never stored).
EXPORT("gemm")
void gemm(const float* a, const float* b, const float* bias, float* c, int M, int K, int N, int trans_a, int relu, float* scratch) {
  const int row_step = trans_a ? 1 : K;
  const int depth_step = trans_a ? M : 1;
  float* bias_row = scratch;
  float* panel = scratch + PANEL_COLS;
  for (int j = 0; j < N; j += PANEL_COLS) {
    const int cols = N - j < PANEL_COLS ? N - j : PANEL_COLS;
    for (int q = 0; q < PANEL_COLS; q++) bias_row[q] = bias && q < cols ? bias[j + q] : 0;
    for (int k0 = 0; k0 < K || k0 == 0; k0 += PANEL_DEPTH) {
      const int depth = K - k0 < PANEL_DEPTH ? K - k0 : PANEL_DEPTH;
      const int first = k0 == 0;
      const int last = k0 + depth >= K;
      for (int k = 0; k < depth; k++) {
        const float* row = b + (k0 + k) * N + j;
        for (int q = 0; q < PANEL_COLS; q++) panel[k * PANEL_COLS + q] = q < cols ? row[q] : 0;
      }
      for (int i = 0; i < M; i += TILE_ROWS) {
        const int rows = M - i < TILE_ROWS ? M - i : TILE_ROWS;
        const float* a0 = a + i * row_step + k0 * depth_step;
        const float* a1 = a0 + (rows > 1 ? row_step : 0);
        const float* a2 = a0 + (rows > 2 ? 2 * row_step : 0);
        const float* a3 = a0 + (rows > 3 ? 3 * row_step : 0);
        float* c0 = c + i * N + j;
        float* c1 = rows > 1 ? c0 + N : c0;
        float* c2 = rows > 2 ? c0 + 2 * N : c0;
        float* c3 = rows > 3 ? c0 + 3 * N : c0;
        v128_t acc00 = start_lo(c0, bias_row, first, cols), acc01 = start_hi(c0, bias_row, first, cols);
        v128_t acc10 = start_lo(c1, bias_row, first, cols), acc11 = start_hi(c1, bias_row, first, cols);
        v128_t acc20 = start_lo(c2, bias_row, first, cols), acc21 = start_hi(c2, bias_row, first, cols);
        v128_t acc30 = start_lo(c3, bias_row, first, cols), acc31 = start_hi(c3, bias_row, first, cols);
        const float* p = panel;
        for (int k = 0, at = 0; k < depth; k++, at += depth_step, p += PANEL_COLS) {
          const v128_t b0 = wasm_v128_load(p), b1 = wasm_v128_load(p + 4);
          const v128_t x0 = wasm_v128_load32_splat(a0 + at), x1 = wasm_v128_load32_splat(a1 + at);
          const v128_t x2 = wasm_v128_load32_splat(a2 + at), x3 = wasm_v128_load32_splat(a3 + at);
          acc00 = madd(acc00, x0, b0); acc01 = madd(acc01, x0, b1);
          acc10 = madd(acc10, x1, b0); acc11 = madd(acc11, x1, b1);
          acc20 = madd(acc20, x2, b0); acc21 = madd(acc21, x2, b1);
          acc30 = madd(acc30, x3, b0); acc31 = madd(acc31, x3, b1);
        }
        const int activate = relu && last;
        if (rows > 3) store_row(c3, acc30, acc31, cols, activate);
        if (rows > 2) store_row(c2, acc20, acc21, cols, activate);
        if (rows > 1) store_row(c1, acc10, acc11, cols, activate);
        store_row(c0, acc00, acc01, cols, activate);
      }
    }
  }
}

// One Adam step on n weights, in the float32 operations and order of tf.train.adam:
//   m ← m·β1 + g·(1−β1);  v ← v·β2 + g²·(1−β2)     (in place)
//   w_out ← (m/(1−β1^t)) / (sqrt(v/(1−β2^t)) + ε) · (−lr) + w
EXPORT("adam")
void adam(const float* w, float* w_out, const float* g, float* m, float* v, int n, float neg_lr, float beta1, float beta2,
          float one_minus_beta1, float one_minus_beta2, float epsilon, float bias_fix1, float bias_fix2) {
  const v128_t vb1 = wasm_f32x4_splat(beta1), vb2 = wasm_f32x4_splat(beta2);
  const v128_t vc1 = wasm_f32x4_splat(one_minus_beta1), vc2 = wasm_f32x4_splat(one_minus_beta2);
  const v128_t vf1 = wasm_f32x4_splat(bias_fix1), vf2 = wasm_f32x4_splat(bias_fix2);
  const v128_t veps = wasm_f32x4_splat(epsilon), vlr = wasm_f32x4_splat(neg_lr);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t gi = wasm_v128_load(g + i);
    const v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), vb1), wasm_f32x4_mul(gi, vc1));
    const v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), vb2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), vc2));
    wasm_v128_store(m + i, mi);
    wasm_v128_store(v + i, vi);
    const v128_t denom = wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, vf2)), veps);
    const v128_t step = wasm_f32x4_mul(wasm_f32x4_div(wasm_f32x4_div(mi, vf1), denom), vlr);
    wasm_v128_store(w_out + i, wasm_f32x4_add(step, wasm_v128_load(w + i)));
  }
  for (; i < n; i++) {
    const float mi = m[i] * beta1 + g[i] * one_minus_beta1;
    const float vi = v[i] * beta2 + (g[i] * g[i]) * one_minus_beta2;
    m[i] = mi;
    v[i] = vi;
    w_out[i] = ((mi / bias_fix1) / (__builtin_sqrtf(vi / bias_fix2) + epsilon)) * neg_lr + w[i];
  }
}
