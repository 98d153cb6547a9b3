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

// ---- Register tiles -------------------------------------------------------------------------------
// A tile is a 4-row × 8-column block of the output in eight registers; every product below (dense,
// convolution, filter gradient) walks its own depth and calls tile_madd once per depth step.

typedef struct { v128_t lo0, hi0, lo1, hi1, lo2, hi2, lo3, hi3; } Tile;

// The output rows of a tile. With fewer than 4 rows the spare ones alias row 0 and are never stored.
typedef struct { float* r0; float* r1; float* r2; float* r3; int rows; int cols; } TileRows;

static inline TileRows tile_rows(float* first, int stride, int rows, int cols) {
  TileRows t = { first, rows > 1 ? first + stride : first, rows > 2 ? first + 2 * stride : first,
                 rows > 3 ? first + 3 * stride : first, rows, cols };
  return t;
}

// The first `cols` (< 8) values of a row, zero past them.
static inline v128_t load_lo(const float* c, int cols) {
  return cols >= 4 ? wasm_v128_load(c) : wasm_f32x4_make(c[0], cols > 1 ? c[1] : 0, cols > 2 ? c[2] : 0, 0);
}
static inline v128_t load_hi(const float* c, int cols) {
  if (cols == PANEL_COLS) return wasm_v128_load(c + 4);
  return cols > 4 ? wasm_f32x4_make(c[4], cols > 5 ? c[5] : 0, cols > 6 ? c[6] : 0, 0) : wasm_f32x4_splat(0);
}

// Every row starts from `row` (8 floats: a bias row, or zeros).
static inline Tile tile_fill(const float* row) {
  const v128_t lo = wasm_v128_load(row), hi = wasm_v128_load(row + 4);
  Tile t = { lo, hi, lo, hi, lo, hi, lo, hi };
  return t;
}

// Every row starts from what the output holds (a later block of depth adds to it).
static inline Tile tile_load(TileRows r) {
  Tile t = { load_lo(r.r0, r.cols), load_hi(r.r0, r.cols), load_lo(r.r1, r.cols), load_hi(r.r1, r.cols),
             load_lo(r.r2, r.cols), load_hi(r.r2, r.cols), load_lo(r.r3, r.cols), load_hi(r.r3, r.cols) };
  return t;
}

// t += [a0; a1; a2; a3] ⊗ p[0..8]: one depth step (four scalars of A times one packed row of B).
static inline Tile tile_madd(Tile t, const float* a0, const float* a1, const float* a2, const float* a3, const float* p) {
  const v128_t b0 = wasm_v128_load(p), b1 = wasm_v128_load(p + 4);
  const v128_t x0 = wasm_v128_load32_splat(a0), x1 = wasm_v128_load32_splat(a1);
  const v128_t x2 = wasm_v128_load32_splat(a2), x3 = wasm_v128_load32_splat(a3);
  t.lo0 = madd(t.lo0, x0, b0); t.hi0 = madd(t.hi0, x0, b1);
  t.lo1 = madd(t.lo1, x1, b0); t.hi1 = madd(t.hi1, x1, b1);
  t.lo2 = madd(t.lo2, x2, b0); t.hi2 = madd(t.hi2, x2, b1);
  t.lo3 = madd(t.lo3, x3, b0); t.hi3 = madd(t.hi3, x3, b1);
  return t;
}

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
    const v128_t zero = wasm_f32x4_splat(0);
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

static inline void tile_store(TileRows r, Tile t, int relu) {
  if (r.rows > 3) store_row(r.r3, t.lo3, t.hi3, r.cols, relu);
  if (r.rows > 2) store_row(r.r2, t.lo2, t.hi2, r.cols, relu);
  if (r.rows > 1) store_row(r.r1, t.lo1, t.hi1, r.cols, relu);
  store_row(r.r0, t.lo0, t.hi0, r.cols, relu);
}

// Packs `depth` rows of columns j..j+cols of a row-major matrix (rows `stride` apart) into 8-wide rows,
// zero past cols.
static void pack_panel(float* panel, const float* src, int stride, int depth, int j, int cols) {
  for (int k = 0; k < depth; k++) {
    const float* row = src + k * stride + j;
    for (int q = 0; q < PANEL_COLS; q++) panel[k * PANEL_COLS + q] = q < cols ? row[q] : 0;
  }
}

// The 8 bias values of columns j.. (zero past cols, or all zero without a bias).
static void pack_bias(float* bias_row, const float* bias, int j, int cols) {
  for (int q = 0; q < PANEL_COLS; q++) bias_row[q] = bias && q < cols ? bias[j + q] : 0;
}

static inline int min_int(int a, int b) { return a < b ? a : b; }

// Panels of 8 columns that hold Co columns.
static inline int panel_count(int Co) { return (Co + PANEL_COLS - 1) / PANEL_COLS; }

// ---- Dense products ---------------------------------------------------------------------------------

// C[M,N] = op(A)·B + bias, optionally followed by ReLU.
//   A is [M,K] row-major, or [K,M] when trans_a (A^T stored: the weight gradient x^T·dy needs no copy).
//   B is [K,N] row-major; bias is N floats or null; scratch holds gemm_scratch_floats() floats.
// Panels of B (8 columns × up to PANEL_DEPTH rows) are packed contiguously and stay in L1 while every
// tile of 4 rows of A passes over them.
// gemm_columns computes columns j_begin..j_end of C alone (j_begin a multiple of PANEL_COLS): threads
// that share the heap each take a block of columns, and every element is computed as by gemm.
EXPORT("gemm_columns")
void gemm_columns(const float* a, const float* b, const float* bias, float* c, int M, int K, int N, int trans_a, int relu, float* scratch,
                  int j_begin, int j_end) {
  const int row_step = trans_a ? 1 : K;
  const int depth_step = trans_a ? M : 1;
  float* bias_row = scratch;
  float* panel = scratch + PANEL_COLS;
  for (int j = j_begin; j < j_end; j += PANEL_COLS) {
    const int cols = min_int(j_end - j, PANEL_COLS);
    pack_bias(bias_row, bias, j, cols);
    for (int k0 = 0; k0 < K || k0 == 0; k0 += PANEL_DEPTH) {
      const int depth = min_int(K - k0, PANEL_DEPTH);
      const int last = k0 + depth >= K;
      pack_panel(panel, b + k0 * N, N, depth, j, cols);
      for (int i = 0; i < M; i += TILE_ROWS) {
        const int rows = min_int(M - i, TILE_ROWS);
        const TileRows out = tile_rows(c + i * N + j, N, rows, cols);
        const float* a0 = a + i * row_step + k0 * depth_step;
        const float* a1 = a0 + (rows > 1 ? row_step : 0);
        const float* a2 = a0 + (rows > 2 ? 2 * row_step : 0);
        const float* a3 = a0 + (rows > 3 ? 3 * row_step : 0);
        Tile t = k0 == 0 ? tile_fill(bias_row) : tile_load(out);
        const float* p = panel;
        for (int k = 0, at = 0; k < depth; k++, at += depth_step, p += PANEL_COLS) t = tile_madd(t, a0 + at, a1 + at, a2 + at, a3 + at, p);
        tile_store(out, t, relu && last);
      }
    }
  }
}

EXPORT("gemm")
void gemm(const float* a, const float* b, const float* bias, float* c, int M, int K, int N, int trans_a, int relu, float* scratch) {
  gemm_columns(a, b, bias, c, M, K, N, trans_a, relu, scratch, 0, N);
}

// ---- Convolutions (NHWC, on an input already padded to [B, PH, PW, Ci]) ---------------------------------

// Offset in the padded input of filter row r = (fh, fw, ci) of a [FH, FW, Ci, Co] filter.
static inline int tap_offset(int r, int FW, int PW, int Ci) {
  const int tap = r / Ci;
  return ((tap / FW) * PW + tap % FW) * Ci + r % Ci;
}

// Consecutive output positions (b, oh, ow) and their offsets in the padded input, one step at a time:
// dividing to find each position costs more than a 1-channel convolution's products.
typedef struct { int at; int row; int image; int oh; int ow; } PositionWalk;

static inline PositionWalk walk_next(PositionWalk w, int OH, int OW, int PH, int PW, int Ci, int sh, int sw) {
  if (++w.ow < OW) {
    w.at += sw * Ci;
    return w;
  }
  w.ow = 0;
  if (++w.oh < OH) {
    w.row += sh * PW * Ci;
  } else {
    w.oh = 0;
    w.image += PH * PW * Ci;
    w.row = w.image;
  }
  w.at = w.row;
  return w;
}

// Packs the bias (panels × 8 floats) and the [depth, Co] filter (panels × depth × 8) into scratch, one
// panel of 8 output channels after another; returns the number of panels.
static inline int pack_filter(float* scratch, const float* w, const float* bias, int depth, int Co) {
  const int panels = panel_count(Co);
  for (int q = 0; q < panels; q++) {
    const int j = q * PANEL_COLS, cols = min_int(Co - j, PANEL_COLS);
    pack_bias(scratch + j, bias, j, cols);
    pack_panel(scratch + panels * PANEL_COLS + q * depth * PANEL_COLS, w, Co, depth, j, cols);
  }
  return panels;
}

// t + the patches at a0..a3 times one packed panel p: FH filter rows `row_step` floats apart, each of
// `run` (FW·Ci) consecutive floats of the padded input.
static inline Tile tile_patches(Tile t, const float* a0, const float* a1, const float* a2, const float* a3, const float* p,
                                int FH, int run, int row_step) {
  for (int fh = 0; fh < FH; fh++) {
    const int line = fh * row_step;
    for (int k = line; k < line + run; k++, p += PANEL_COLS) t = tile_madd(t, a0 + k, a1 + k, a2 + k, a3 + k, p);
  }
  return t;
}

EXPORT("conv2d_scratch_floats") int conv2d_scratch_floats(int FH, int FW, int Ci, int Co) {
  return panel_count(Co) * PANEL_COLS * (1 + FH * FW * Ci);
}

// out[B, OH, OW, Co] = Σ_{fh,fw,ci} x[b, oh·sh+fh, ow·sw+fw, ci] · w[fh, fw, ci, co] + bias[co], then ReLU
// if relu: a product of the patch matrix (one row per output position, built on the fly) and the
// filter as a [FH·FW·Ci, Co] matrix. Scratch: conv2d_scratch_floats(FH, FW, Ci, Co).
// The whole filter is packed into panels first (a few KB: it stays in L1), and each tile of 4 positions
// goes through every panel while its patches are in L1: the input is read from memory once, not once
// per panel (it is far larger than the cache for a training batch).
EXPORT("conv2d")
void conv2d(const float* x, const float* w, const float* bias, float* out, int B, int PH, int PW, int Ci,
            int OH, int OW, int Co, int FH, int FW, int sh, int sw, int relu, float* scratch) {
  const int positions = B * OH * OW;
  const int depth = FH * FW * Ci;
  const int panels = pack_filter(scratch, w, bias, depth, Co);
  const float* bias_rows = scratch;
  const float* packed = scratch + panels * PANEL_COLS;
  const int run = FW * Ci;
  PositionWalk walk = { 0, 0, 0, 0, 0 };
  for (int i = 0; i < positions; i += TILE_ROWS) {
    const int rows = min_int(positions - i, TILE_ROWS);
    const float* a0 = x + walk.at;
    walk = walk_next(walk, OH, OW, PH, PW, Ci, sh, sw);
    const float* a1 = rows > 1 ? x + walk.at : a0;
    walk = walk_next(walk, OH, OW, PH, PW, Ci, sh, sw);
    const float* a2 = rows > 2 ? x + walk.at : a0;
    walk = walk_next(walk, OH, OW, PH, PW, Ci, sh, sw);
    const float* a3 = rows > 3 ? x + walk.at : a0;
    walk = walk_next(walk, OH, OW, PH, PW, Ci, sh, sw);
    for (int q = 0; q < panels; q++) {
      const int j = q * PANEL_COLS;
      const Tile t = tile_patches(tile_fill(bias_rows + j), a0, a1, a2, a3, packed + q * depth * PANEL_COLS, FH, run, PW * Ci);
      tile_store(tile_rows(out + i * Co + j, Co, rows, min_int(Co - j, PANEL_COLS)), t, relu);
    }
  }
}

EXPORT("conv2d_filter_grad_scratch_floats") int conv2d_filter_grad_scratch_floats(int OH, int OW) { return PANEL_COLS * OH * OW; }

// dw[FH, FW, Ci, Co] = Σ_{b,oh,ow} x[b, oh·sh+fh, ow·sw+fw, ci] · dy[b, oh, ow, co]: the transposed patch
// matrix times dy, one image at a time (its patches and dy rows stay in cache), adding up in dw.
// Scratch: conv2d_filter_grad_scratch_floats(OH, OW).
// conv2d_filter_grad_columns computes (and first zeroes) output channels j_begin..j_end of dw alone
// (j_begin a multiple of PANEL_COLS), for threads that each take a block of channels.
EXPORT("conv2d_filter_grad_columns")
void conv2d_filter_grad_columns(const float* x, const float* dy, float* dw, int B, int PH, int PW, int Ci,
                                int OH, int OW, int Co, int FH, int FW, int sh, int sw, float* panel, int j_begin, int j_end) {
  const int rows_total = FH * FW * Ci;
  for (int r = 0; r < rows_total; r++) __builtin_memset(dw + r * Co + j_begin, 0, (unsigned long)(j_end - j_begin) * sizeof(float));
  for (int b = 0; b < B; b++) {
    const float* image = x + b * PH * PW * Ci;
    for (int j = j_begin; j < j_end; j += PANEL_COLS) {
      const int cols = min_int(j_end - j, PANEL_COLS);
      // A whole panel of 8 channels is read where dy holds it (rows Co apart); a part one is packed with zeros.
      const float* dy_rows = dy + b * OH * OW * Co + j;
      const int p_step = cols == PANEL_COLS ? Co : PANEL_COLS;
      if (cols < PANEL_COLS) {
        pack_panel(panel, dy_rows - j, Co, OH * OW, j, cols);
        dy_rows = panel;
      }
      for (int r = 0; r < rows_total; r += TILE_ROWS) {
        const int rows = min_int(rows_total - r, TILE_ROWS);
        const TileRows out = tile_rows(dw + r * Co + j, Co, rows, cols);
        const float* a0 = image + tap_offset(r, FW, PW, Ci);
        const float* a1 = image + tap_offset(rows > 1 ? r + 1 : r, FW, PW, Ci);
        const float* a2 = image + tap_offset(rows > 2 ? r + 2 : r, FW, PW, Ci);
        const float* a3 = image + tap_offset(rows > 3 ? r + 3 : r, FW, PW, Ci);
        Tile t = tile_load(out);
        const float* p = dy_rows;
        for (int oh = 0; oh < OH; oh++) {
          const int line = oh * sh * PW * Ci;
          for (int ow = 0, at = line; ow < OW; ow++, at += sw * Ci, p += p_step) t = tile_madd(t, a0 + at, a1 + at, a2 + at, a3 + at, p);
        }
        tile_store(out, t, 0);
      }
    }
  }
}

// out[B, H+top+bottom, W+left+right, C] = x with zeros around it: the padded input of a convolution.
EXPORT("pad_images")
void pad_images(const float* x, float* out, int B, int H, int W, int C, int top, int bottom, int left, int right) {
  const int PH = H + top + bottom, PW = W + left + right;
  const unsigned long row_bytes = (unsigned long)PW * C * sizeof(float);
  for (int b = 0; b < B; b++) {
    for (int ph = 0; ph < PH; ph++) {
      float* dst = out + (b * PH + ph) * PW * C;
      if (ph < top || ph >= top + H) {
        __builtin_memset(dst, 0, row_bytes);
        continue;
      }
      __builtin_memset(dst, 0, (unsigned long)left * C * sizeof(float));
      __builtin_memcpy(dst + left * C, x + (b * H + ph - top) * W * C, (unsigned long)W * C * sizeof(float));
      __builtin_memset(dst + (left + W) * C, 0, (unsigned long)right * C * sizeof(float));
    }
  }
}

// out[k] = x[indices[k]] for rows of row_words 4-byte words (a training batch drawn from its split).
// The indices are checked by the caller.
EXPORT("gather_rows")
void gather_rows(const float* x, const int* indices, float* out, int count, int row_words) {
  const unsigned long row_bytes = (unsigned long)row_words * sizeof(float);
  for (int k = 0; k < count; k++) __builtin_memcpy(out + k * row_words, x + indices[k] * row_words, row_bytes);
}

// out[r·C + c] = x[r·C + c] + bias[c]: a bias added to every row (dense and convolution outputs).
EXPORT("add_row")
void add_row(const float* x, const float* bias, float* out, int rows, int C) {
  for (int r = 0; r < rows; r++, x += C, out += C) {
    int c = 0;
    for (; c + 4 <= C; c += 4) wasm_v128_store(out + c, wasm_f32x4_add(wasm_v128_load(x + c), wasm_v128_load(bias + c)));
    for (; c < C; c++) out[c] = x[c] + bias[c];
  }
}

// ---- Pooling and reductions -------------------------------------------------------------------------

// Gradient of 2×2 max pooling with stride 2 and no padding ([B, H, W, C] → [B, OH, OW, C]): each dy goes
// to the first maximum of its window in row-major order (strict >, as the cpu kernel); a window of NaN
// or −∞ gets nothing. Windows do not overlap, so values are written, not added.
EXPORT("max_pool_grad_2x2")
void max_pool_grad_2x2(const float* x, const float* dy, float* dx, int B, int H, int W, int C, int OH, int OW) {
  __builtin_memset(dx, 0, (unsigned long)B * H * W * C * sizeof(float));
  const v128_t minus_inf = wasm_f32x4_splat(-__builtin_inff()), zero = wasm_f32x4_splat(0);
  const int down = W * C;
  for (int b = 0; b < B; b++) {
    for (int oh = 0; oh < OH; oh++) {
      for (int ow = 0; ow < OW; ow++) {
        const int corner = ((b * H + 2 * oh) * W + 2 * ow) * C;
        const float* g = dy + ((b * OH + oh) * OW + ow) * C;
        int c = 0;
        for (; c + 4 <= C; c += 4) {
          const int tl = corner + c, tr = tl + C, bl = tl + down, br = bl + C;
          const v128_t vtl = wasm_v128_load(x + tl), vtr = wasm_v128_load(x + tr);
          const v128_t vbl = wasm_v128_load(x + bl), vbr = wasm_v128_load(x + br);
          const v128_t take_tl = wasm_f32x4_gt(vtl, minus_inf);
          v128_t best = wasm_v128_bitselect(vtl, minus_inf, take_tl);
          const v128_t take_tr = wasm_f32x4_gt(vtr, best);
          best = wasm_v128_bitselect(vtr, best, take_tr);
          const v128_t take_bl = wasm_f32x4_gt(vbl, best);
          best = wasm_v128_bitselect(vbl, best, take_bl);
          const v128_t take_br = wasm_f32x4_gt(vbr, best);
          // The last window position that improved on the best so far wins.
          const v128_t win_bl = wasm_v128_andnot(take_bl, take_br);
          const v128_t win_tr = wasm_v128_andnot(wasm_v128_andnot(take_tr, take_br), take_bl);
          const v128_t win_tl = wasm_v128_andnot(wasm_v128_andnot(wasm_v128_andnot(take_tl, take_br), take_bl), take_tr);
          const v128_t vg = wasm_v128_load(g + c);
          wasm_v128_store(dx + br, wasm_v128_bitselect(vg, zero, take_br));
          wasm_v128_store(dx + bl, wasm_v128_bitselect(vg, zero, win_bl));
          wasm_v128_store(dx + tr, wasm_v128_bitselect(vg, zero, win_tr));
          wasm_v128_store(dx + tl, wasm_v128_bitselect(vg, zero, win_tl));
        }
        for (; c < C; c++) {
          const int tl = corner + c, tr = tl + C, bl = tl + down, br = bl + C;
          int at = x[tl] > -__builtin_inff() ? tl : -1;
          float best = at >= 0 ? x[tl] : -__builtin_inff();
          if (x[tr] > best) { best = x[tr]; at = tr; }
          if (x[bl] > best) { best = x[bl]; at = bl; }
          if (x[br] > best) at = br;
          if (at >= 0) dx[at] = g[c];
        }
      }
    }
  }
}

// out[c] = Σ_r x[r·C + c] over `rows` rows (a bias gradient: the sum over all axes but the last),
// with float64 accumulators so that long sums (a batch of images) keep float32 precision.
EXPORT("sum_rows")
void sum_rows(const float* x, float* out, int rows, int C) {
  int c = 0;
  for (; c + 4 <= C; c += 4) {
    v128_t low = wasm_f64x2_splat(0), high = low;
    const float* p = x + c;
    for (int r = 0; r < rows; r++, p += C) {
      const v128_t v = wasm_v128_load(p);
      low = wasm_f64x2_add(low, wasm_f64x2_promote_low_f32x4(v));
      high = wasm_f64x2_add(high, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1)));
    }
    wasm_v128_store(out + c, wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(low), wasm_f32x4_demote_f64x2_zero(high), 0, 1, 4, 5));
  }
  for (; c < C; c++) {
    double sum = 0;
    for (int r = 0; r < rows; r++) sum += x[r * C + c];
    out[c] = (float)sum;
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

// ---- A CNN block: 3×3 'same' convolution + bias + ReLU + 2×2 max pooling in one pass ----------------

typedef struct { v128_t best; v128_t winner; } PooledHalf;

// max(0, tl, tr, bl, br) lane by lane (the max pooling of a ReLU output), and which of the four came first
// with it (0..3 in row-major order, strict >) or 4 where none is positive (then no gradient passes).
static inline PooledHalf pool_window(v128_t tl, v128_t tr, v128_t bl, v128_t br) {
  v128_t best = wasm_f32x4_splat(0), winner = wasm_i32x4_splat(4), take;
  take = wasm_f32x4_gt(tl, best); best = wasm_v128_bitselect(tl, best, take); winner = wasm_v128_bitselect(wasm_i32x4_splat(0), winner, take);
  take = wasm_f32x4_gt(tr, best); best = wasm_v128_bitselect(tr, best, take); winner = wasm_v128_bitselect(wasm_i32x4_splat(1), winner, take);
  take = wasm_f32x4_gt(bl, best); best = wasm_v128_bitselect(bl, best, take); winner = wasm_v128_bitselect(wasm_i32x4_splat(2), winner, take);
  take = wasm_f32x4_gt(br, best); best = wasm_v128_bitselect(br, best, take); winner = wasm_v128_bitselect(wasm_i32x4_splat(3), winner, take);
  PooledHalf p = { best, winner };
  return p;
}

// The first `cols` (≤ 8) lanes of lo:hi, 32-bit words, to dst.
static inline void store_words(void* dst, v128_t lo, v128_t hi, int cols) {
  int* out = (int*)dst;
  if (cols == PANEL_COLS) {
    wasm_v128_store(out, lo);
    wasm_v128_store(out + 4, hi);
    return;
  }
  for (int q = 0; q < cols; q++) {
    const v128_t v = q < 4 ? lo : hi;
    switch (q & 3) {
      case 0: out[q] = wasm_i32x4_extract_lane(v, 0); break;
      case 1: out[q] = wasm_i32x4_extract_lane(v, 1); break;
      case 2: out[q] = wasm_i32x4_extract_lane(v, 2); break;
      default: out[q] = wasm_i32x4_extract_lane(v, 3); break;
    }
  }
}

// pooled[B, OH/2, OW/2, Co] = 2×2 max pooling of relu(conv(x, w) + bias), a stride-1 convolution on the
// padded input ([B, PH, PW, Ci]; OH, OW its output size), and winners (int32, same shape) saying which
// position of each window gave the maximum (pool_window). A tile's four rows are one pooling window, so
// the block's full-size output is never stored: positions no window covers (a last odd row or column)
// are not computed at all. Scratch: conv2d_scratch_floats(FH, FW, Ci, Co).
EXPORT("conv2d_relu_pool")
void conv2d_relu_pool(const float* x, const float* w, const float* bias, float* pooled, int* winners, int B, int PH, int PW, int Ci,
                      int OH, int OW, int Co, int FH, int FW, float* scratch) {
  const int depth = FH * FW * Ci;
  const int panels = pack_filter(scratch, w, bias, depth, Co);
  const int QH = OH / 2, QW = OW / 2;
  const float* bias_rows = scratch;
  const float* packed = scratch + panels * PANEL_COLS;
  const int run = FW * Ci;
  for (int b = 0; b < B; b++) {
    for (int qh = 0; qh < QH; qh++) {
      for (int qw = 0; qw < QW; qw++) {
        const float* a0 = x + ((b * PH + 2 * qh) * PW + 2 * qw) * Ci;
        const float* a1 = a0 + Ci;
        const float* a2 = a0 + PW * Ci;
        const float* a3 = a2 + Ci;
        const int at = ((b * QH + qh) * QW + qw) * Co;
        for (int q = 0; q < panels; q++) {
          const int j = q * PANEL_COLS;
          const Tile t = tile_patches(tile_fill(bias_rows + j), a0, a1, a2, a3, packed + q * depth * PANEL_COLS, FH, run, PW * Ci);
          const PooledHalf lo = pool_window(t.lo0, t.lo1, t.lo2, t.lo3), hi = pool_window(t.hi0, t.hi1, t.hi2, t.hi3);
          const int cols = min_int(Co - j, PANEL_COLS);
          store_words(pooled + at + j, lo.best, hi.best, cols);
          store_words(winners + at + j, lo.winner, hi.winner, cols);
        }
      }
    }
  }
}

// The gradient of conv2d_relu_pool's pooling and ReLU: dz[B, H, W, C] gets each dy[B, QH, QW, C] at its
// window's winner and zero elsewhere; and sums it per channel into column_sums (C floats), through `sums`
// (C doubles of scratch): the block's bias gradient.
EXPORT("relu_pool_grad")
void relu_pool_grad(const float* dy, const int* winners, float* dz, int B, int H, int W, int C, int QH, int QW, double* sums, float* column_sums) {
  if (2 * QH != H || 2 * QW != W) __builtin_memset(dz, 0, (unsigned long)B * H * W * C * sizeof(float));
  __builtin_memset(sums, 0, (unsigned long)C * sizeof(double));
  const v128_t zero = wasm_f32x4_splat(0), none = wasm_i32x4_splat(4);
  const v128_t k0 = wasm_i32x4_splat(0), k1 = wasm_i32x4_splat(1), k2 = wasm_i32x4_splat(2), k3 = wasm_i32x4_splat(3);
  const int down = W * C;
  for (int b = 0; b < B; b++) {
    for (int qh = 0; qh < QH; qh++) {
      for (int qw = 0; qw < QW; qw++) {
        const int tl = ((b * H + 2 * qh) * W + 2 * qw) * C, tr = tl + C, bl = tl + down, br = bl + C;
        const int at = ((b * QH + qh) * QW + qw) * C;
        int c = 0;
        for (; c + 4 <= C; c += 4) {
          const v128_t g = wasm_v128_load(dy + at + c), win = wasm_v128_load(winners + at + c);
          wasm_v128_store(dz + tl + c, wasm_v128_bitselect(g, zero, wasm_i32x4_eq(win, k0)));
          wasm_v128_store(dz + tr + c, wasm_v128_bitselect(g, zero, wasm_i32x4_eq(win, k1)));
          wasm_v128_store(dz + bl + c, wasm_v128_bitselect(g, zero, wasm_i32x4_eq(win, k2)));
          wasm_v128_store(dz + br + c, wasm_v128_bitselect(g, zero, wasm_i32x4_eq(win, k3)));
          const v128_t passed = wasm_v128_bitselect(zero, g, wasm_i32x4_eq(win, none));
          double* s = sums + c;
          wasm_v128_store(s, wasm_f64x2_add(wasm_v128_load(s), wasm_f64x2_promote_low_f32x4(passed)));
          wasm_v128_store(s + 2, wasm_f64x2_add(wasm_v128_load(s + 2), wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(passed, passed, 2, 3, 0, 1))));
        }
        for (; c < C; c++) {
          const int win = winners[at + c];
          const float g = dy[at + c];
          dz[tl + c] = win == 0 ? g : 0;
          dz[tr + c] = win == 1 ? g : 0;
          dz[bl + c] = win == 2 ? g : 0;
          dz[br + c] = win == 3 ? g : 0;
          if (win != 4) sums[c] += g;
        }
      }
    }
  }
  for (int c = 0; c < C; c++) column_sums[c] = (float)sums[c];
}

// ---- 3×3 stride-1 convolutions by Winograd's F(2×2, 3×3) (Lavin & Gray, 2016) ------------------------
// Each 2×2 block of outputs (a tile) comes from a 4×4 block d of the input (zeros outside it). The block and
// the filter g are transformed (V = Bᵀ·d·B, U = G·g·Gᵀ, both 4×4), multiplied position by position and
// summed over input channels (16 products [tiles, Ci]·[Ci, Co]: the tile_madd of the gemm), and the sum
// M goes back to outputs (Y = Aᵀ·M·A, 2×2): 16 multiply-adds per tile and channel pair instead of 36.
// The transforms only add, subtract and halve, so values on a coarse grid stay exact (ties stay ties).
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]   Aᵀ = [1 1 1 0; 0 1 −1 −1]

#define WINO_POSITIONS 16

// Floats of the transformed filter: a bias row of panels × 8, then per position and panel, Ci rows of 8.
EXPORT("winograd_filter_floats") int winograd_filter_floats(int Ci, int Co) {
  return panel_count(Co) * PANEL_COLS * (1 + WINO_POSITIONS * Ci);
}

// Floats of scratch one winograd_conv3x3 call needs: V and M of 4 tiles, and a block at the image's edge.
EXPORT("winograd_scratch_floats") int winograd_scratch_floats(int Ci, int Co) {
  return WINO_POSITIONS * (TILE_ROWS * (Ci + panel_count(Co) * PANEL_COLS) + Ci);
}

// One row (a, b, c) of G·g times Gᵀ: four values, `step` floats apart.
static inline void filter_row(float* dst, int step, float a, float b, float c) {
  dst[0] = a;
  dst[step] = 0.5f * (a + b + c);
  dst[2 * step] = 0.5f * (a - b + c);
  dst[3 * step] = c;
}

// u = the bias row, then U = G·g·Gᵀ of every (ci, co) of the [3, 3, Ci, Co] filter w, packed for
// tile_madd: position ξ, panel q, row ci holds columns 8q..8q+7 (zero past Co).
EXPORT("winograd_filter")
void winograd_filter(const float* w, const float* bias, float* u, int Ci, int Co) {
  const int panels = panel_count(Co), cols = panels * PANEL_COLS;
  for (int j = 0; j < cols; j++) u[j] = bias && j < Co ? bias[j] : 0;
  float* packed = u + cols;
  const int position_step = panels * Ci * PANEL_COLS;  // floats from position ξ to ξ + 1
  const int tap = Ci * Co;
  for (int ci = 0; ci < Ci; ci++) {
    for (int co = 0; co < cols; co++) {
      float* dst = packed + ((co / PANEL_COLS) * Ci + ci) * PANEL_COLS + co % PANEL_COLS;
      const float* g = w + ci * Co + co;
      const int real = co < Co;
      const float g0 = real ? g[0] : 0, g1 = real ? g[tap] : 0, g2 = real ? g[2 * tap] : 0;
      const float g3 = real ? g[3 * tap] : 0, g4 = real ? g[4 * tap] : 0, g5 = real ? g[5 * tap] : 0;
      const float g6 = real ? g[6 * tap] : 0, g7 = real ? g[7 * tap] : 0, g8 = real ? g[8 * tap] : 0;
      filter_row(dst, position_step, g0, g1, g2);
      filter_row(dst + 4 * position_step, position_step, 0.5f * (g0 + g3 + g6), 0.5f * (g1 + g4 + g7), 0.5f * (g2 + g5 + g8));
      filter_row(dst + 8 * position_step, position_step, 0.5f * (g0 - g3 + g6), 0.5f * (g1 - g4 + g7), 0.5f * (g2 - g5 + g8));
      filter_row(dst + 12 * position_step, position_step, g6, g7, g8);
    }
  }
}

// One row of V = (Bᵀ·d)·B from that row of Bᵀ·d (t0..t3, four channels each), positions `step` apart.
static inline void input_row(float* v, int step, v128_t t0, v128_t t1, v128_t t2, v128_t t3) {
  wasm_v128_store(v, wasm_f32x4_sub(t0, t2));
  wasm_v128_store(v + step, wasm_f32x4_add(t1, t2));
  wasm_v128_store(v + 2 * step, wasm_f32x4_sub(t2, t1));
  wasm_v128_store(v + 3 * step, wasm_f32x4_sub(t1, t3));
}

// V of one tile for every input channel (Ci a multiple of 4): d is its 4×4 block's top left (rows `row`
// floats apart, see tile_input), v its first position's row, positions `step` floats apart.
static inline void input_tile(float* v, int step, const float* d, int row, int Ci) {
  const int r1 = row, r2 = 2 * row, r3 = 3 * row, c1 = Ci, c2 = 2 * Ci, c3 = 3 * Ci;
  for (int c = 0; c < Ci; c += 4) {
    const float* p = d + c;
    float* o = v + c;
#define AT(r, k) wasm_v128_load(p + (r) + (k))
    input_row(o, step, wasm_f32x4_sub(AT(0, 0), AT(r2, 0)), wasm_f32x4_sub(AT(0, c1), AT(r2, c1)),
              wasm_f32x4_sub(AT(0, c2), AT(r2, c2)), wasm_f32x4_sub(AT(0, c3), AT(r2, c3)));
    input_row(o + 4 * step, step, wasm_f32x4_add(AT(r1, 0), AT(r2, 0)), wasm_f32x4_add(AT(r1, c1), AT(r2, c1)),
              wasm_f32x4_add(AT(r1, c2), AT(r2, c2)), wasm_f32x4_add(AT(r1, c3), AT(r2, c3)));
    input_row(o + 8 * step, step, wasm_f32x4_sub(AT(r2, 0), AT(r1, 0)), wasm_f32x4_sub(AT(r2, c1), AT(r1, c1)),
              wasm_f32x4_sub(AT(r2, c2), AT(r1, c2)), wasm_f32x4_sub(AT(r2, c3), AT(r1, c3)));
    input_row(o + 12 * step, step, wasm_f32x4_sub(AT(r1, 0), AT(r3, 0)), wasm_f32x4_sub(AT(r1, c1), AT(r3, c1)),
              wasm_f32x4_sub(AT(r1, c2), AT(r3, c2)), wasm_f32x4_sub(AT(r1, c3), AT(r3, c3)));
#undef AT
  }
}

// Where a tile's 4×4 block of the input is: its first value, and the floats between its rows.
typedef struct { const float* at; int row; } Block;

// The 4×4 input block of tile t (tiles numbered image by image, row by row, TH × TW per image) of x
// ([B, H, W, Ci]): rows 2·th − pad_top.., columns 2·tw − pad_left... A block that crosses the image's
// edge is copied into `edge` (16·Ci floats) with zeros outside it: the convolution's zero padding,
// which is never stored whole.
__attribute__((always_inline)) static inline Block tile_input(const float* x, int t, int TH, int TW, int H, int W, int Ci, int pad_top, int pad_left, float* edge) {
  const int b = t / (TH * TW), r = t % (TH * TW);
  const int h0 = 2 * (r / TW) - pad_top, w0 = 2 * (r % TW) - pad_left;
  const float* image = x + b * H * W * Ci;
  if (h0 >= 0 && w0 >= 0 && h0 + 4 <= H && w0 + 4 <= W) {
    const Block inside = { image + (h0 * W + w0) * Ci, W * Ci };
    return inside;
  }
  for (int i = 0; i < 4; i++) {
    for (int j = 0; j < 4; j++) {
      float* dst = edge + (i * 4 + j) * Ci;
      const int h = h0 + i, w = w0 + j;
      // Vector copies: a call of memory.copy costs more than 4–8 floats take to move.
      if (h >= 0 && h < H && w >= 0 && w < W) {
        const float* src = image + (h * W + w) * Ci;
        for (int c = 0; c < Ci; c += 4) wasm_v128_store(dst + c, wasm_v128_load(src + c));
      } else {
        for (int c = 0; c < Ci; c += 4) wasm_v128_store(dst + c, wasm_f32x4_splat(0));
      }
    }
  }
  const Block copied = { edge, 4 * Ci };
  return copied;
}

typedef struct { v128_t y00, y01, y10, y11; } Quad;

// Y = Aᵀ·M·A + bias for four output channels: m is position 0's value, positions `step` floats apart.
static inline Quad output_tile(const float* m, int step, v128_t bias) {
#define M(i) wasm_v128_load(m + (i) * step)
  const v128_t a0 = wasm_f32x4_add(wasm_f32x4_add(M(0), M(4)), M(8)), b0 = wasm_f32x4_sub(wasm_f32x4_sub(M(4), M(8)), M(12));
  const v128_t a1 = wasm_f32x4_add(wasm_f32x4_add(M(1), M(5)), M(9)), b1 = wasm_f32x4_sub(wasm_f32x4_sub(M(5), M(9)), M(13));
  const v128_t a2 = wasm_f32x4_add(wasm_f32x4_add(M(2), M(6)), M(10)), b2 = wasm_f32x4_sub(wasm_f32x4_sub(M(6), M(10)), M(14));
  const v128_t a3 = wasm_f32x4_add(wasm_f32x4_add(M(3), M(7)), M(11)), b3 = wasm_f32x4_sub(wasm_f32x4_sub(M(7), M(11)), M(15));
#undef M
  Quad q = { wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(a0, a1), a2), bias), wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_sub(a1, a2), a3), bias),
             wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(b0, b1), b2), bias), wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_sub(b1, b2), b3), bias) };
  return q;
}

static inline void store_floats(float* dst, v128_t v, int n, int relu) {
  if (relu) v = wasm_f32x4_pmax(wasm_f32x4_splat(0), v);
  if (n >= 4) wasm_v128_store(dst, v);
  else store_partial(dst, v, v, n);
}

// A 3×3, stride-1 convolution of x ([B, H, W, Ci], Ci a multiple of 4; zero padding pad_top rows above
// and pad_left columns left, and as needed below and right) with the filter transformed by
// winograd_filter (u), tile by tile in groups of 4. mode 0: out[B, OH, OW, Co] = conv + bias (OH and
// OW even); mode 1: the same, then ReLU; mode 2: the CNN block of conv2d_relu_pool, out = the pooled
// [B, OH/2, OW/2, Co] and winners beside it (positions no window covers are not computed).
// Scratch: winograd_scratch_floats(Ci, Co).
EXPORT("winograd_conv3x3")
void winograd_conv3x3(const float* x, const float* u, float* out, int* winners, int B, int H, int W, int Ci,
                      int OH, int OW, int Co, int pad_top, int pad_left, int mode, float* scratch) {
  const int panels = panel_count(Co), cols = panels * PANEL_COLS;
  const int TH = OH / 2, TW = OW / 2, tiles = B * TH * TW;
  const float* bias_row = u;
  const float* packed = u + cols;
  float* v = scratch;                                  // [position][4 tiles][Ci]
  float* m = scratch + WINO_POSITIONS * TILE_ROWS * Ci;  // [position][4 tiles][cols]
  float* edge = m + WINO_POSITIONS * TILE_ROWS * cols;   // [4][4][Ci]
  const int v_step = TILE_ROWS * Ci, m_step = TILE_ROWS * cols;
  for (int t0 = 0; t0 < tiles; t0 += TILE_ROWS) {
    const int count = min_int(tiles - t0, TILE_ROWS);
    // A group's missing tiles repeat its first (computed, never stored).
    for (int s = 0; s < TILE_ROWS; s++) {
      const Block d = tile_input(x, t0 + (s < count ? s : 0), TH, TW, H, W, Ci, pad_top, pad_left, edge);
      input_tile(v + s * Ci, v_step, d.at, d.row, Ci);
    }
    for (int xi = 0; xi < WINO_POSITIONS; xi++) {
      const float* a0 = v + xi * v_step;
      for (int q = 0; q < panels; q++) {
        const float* p = packed + (xi * panels + q) * Ci * PANEL_COLS;
        const v128_t zero = wasm_f32x4_splat(0);
        Tile acc = { zero, zero, zero, zero, zero, zero, zero, zero };
        for (int ci = 0; ci < Ci; ci++, p += PANEL_COLS) acc = tile_madd(acc, a0 + ci, a0 + Ci + ci, a0 + 2 * Ci + ci, a0 + 3 * Ci + ci, p);
        tile_store(tile_rows(m + xi * m_step + q * PANEL_COLS, cols, TILE_ROWS, PANEL_COLS), acc, 0);
      }
    }
    for (int s = 0; s < count; s++) {
      const int t = t0 + s, b = t / (TH * TW), r = t % (TH * TW);
      float* y = out + ((b * OH + 2 * (r / TW)) * OW + 2 * (r % TW)) * Co;
      for (int c = 0; c < Co; c += 4) {
        const int n = min_int(Co - c, 4);
        const Quad o = output_tile(m + s * cols + c, m_step, wasm_v128_load(bias_row + c));
        if (mode == 2) {
          const PooledHalf pooled = pool_window(o.y00, o.y01, o.y10, o.y11);
          store_floats(out + t * Co + c, pooled.best, n, 0);
          store_words(winners + t * Co + c, pooled.winner, pooled.winner, n);
        } else {
          store_floats(y + c, o.y00, n, mode);
          store_floats(y + Co + c, o.y01, n, mode);
          store_floats(y + OW * Co + c, o.y10, n, mode);
          store_floats(y + (OW + 1) * Co + c, o.y11, n, mode);
        }
      }
    }
  }
}

// The filter gradient of a 3×3 stride-1 convolution the same way: the gradient of a tile's four outputs
// dY goes to its 16 positions (dM = A·dY·Aᵀ), dU[ξ] = Σ_tiles V[ξ]ᵀ·dM[ξ] (16 products [Ci, tiles]·[tiles, Co],
// tiles WINO_CHUNK at a time), and dw = Gᵀ·dU·G.
#define WINO_CHUNK 32
// Floats added to the distance between positions in V and dM: at a power of two (4 KB for 32 tiles of
// 32 channels), the 16 positions of a tile share one set of the L1 cache and evict each other.
#define WINO_SKEW 16

// Floats of scratch one winograd_filter_grad_columns call needs: dU, then V and dM of a chunk of tiles.
EXPORT("winograd_filter_grad_scratch_floats") int winograd_filter_grad_scratch_floats(int Ci, int Co) {
  const int cols = panel_count(Co) * PANEL_COLS;
  return WINO_POSITIONS * (Ci * cols + WINO_CHUNK * (Ci + cols) + 2 * WINO_SKEW + Ci);
}

// The first n (≤ 4) floats at p, zero past them.
static inline v128_t load_floats(const float* p, int n) { return n >= 4 ? wasm_v128_load(p) : load_lo(p, n); }

// One row of dM = (A·dY)·Aᵀ from that row of A·dY (p, q): four values, positions `step` floats apart.
static inline void grad_row(float* dm, int step, v128_t p, v128_t q) {
  wasm_v128_store(dm, p);
  wasm_v128_store(dm + step, wasm_f32x4_add(p, q));
  wasm_v128_store(dm + 2 * step, wasm_f32x4_sub(p, q));
  wasm_v128_store(dm + 3 * step, wasm_f32x4_neg(q));
}

// Gᵀ·(x0..x3): three values from four (a column or a row of dU).
static inline float gt0(float x0, float x1, float x2) { return x0 + 0.5f * (x1 + x2); }
static inline float gt1(float x1, float x2) { return 0.5f * (x1 - x2); }
static inline float gt2(float x1, float x2, float x3) { return 0.5f * (x1 + x2) + x3; }

// dw[3, 3, Ci, Co] of a 3×3 stride-1 convolution (OH and OW even, Ci a multiple of 4) of x ([B, H, W, Ci],
// zero padding as in winograd_conv3x3) with the gradient dy ([B, OH, OW, Co]) of its output: output
// channels j_begin..j_end alone (j_begin a multiple of PANEL_COLS), for threads that each take a block of them.
// Scratch: winograd_filter_grad_scratch_floats(Ci, Co).
EXPORT("winograd_filter_grad_columns")
void winograd_filter_grad_columns(const float* x, const float* dy, float* dw, int B, int H, int W, int Ci,
                                  int OH, int OW, int Co, int pad_top, int pad_left, float* scratch, int j_begin, int j_end) {
  const int panels = panel_count(Co), cols = panels * PANEL_COLS;
  const int TH = OH / 2, TW = OW / 2, tiles = B * TH * TW;
  const int j_last = min_int(j_end, Co);
  float* du = scratch;                                       // [position][Ci][cols]
  float* v = du + WINO_POSITIONS * Ci * cols;                // [position][chunk tile][Ci]
  const int v_step = WINO_CHUNK * Ci + WINO_SKEW, dm_step = panels * WINO_CHUNK * PANEL_COLS + WINO_SKEW;
  float* dm = v + WINO_POSITIONS * v_step;                   // [position][panel][chunk tile][8]
  float* edge = dm + WINO_POSITIONS * dm_step;               // [4][4][Ci]
  for (int r = 0; r < WINO_POSITIONS * Ci; r++) __builtin_memset(du + r * cols + j_begin, 0, (unsigned long)(j_end - j_begin) * sizeof(float));
  for (int t0 = 0; t0 < tiles; t0 += WINO_CHUNK) {
    const int count = min_int(tiles - t0, WINO_CHUNK);
    for (int s = 0; s < count; s++) {
      const int t = t0 + s, b = t / (TH * TW), r = t % (TH * TW);
      const Block d = tile_input(x, t, TH, TW, H, W, Ci, pad_top, pad_left, edge);
      input_tile(v + s * Ci, v_step, d.at, d.row, Ci);
      const float* g = dy + ((b * OH + 2 * (r / TW)) * OW + 2 * (r % TW)) * Co;
      for (int c = j_begin; c < j_last; c += 4) {
        const int n = min_int(j_last - c, 4);
        const v128_t y00 = load_floats(g + c, n), y01 = load_floats(g + Co + c, n);
        const v128_t y10 = load_floats(g + OW * Co + c, n), y11 = load_floats(g + (OW + 1) * Co + c, n);
        float* o = dm + ((c / PANEL_COLS) * WINO_CHUNK + s) * PANEL_COLS + c % PANEL_COLS;
        // Rows of A·dY: [y0·, y0· + y1·, y0· − y1·, −y1·] for each column of dY.
        grad_row(o, dm_step, y00, y01);
        grad_row(o + 4 * dm_step, dm_step, wasm_f32x4_add(y00, y10), wasm_f32x4_add(y01, y11));
        grad_row(o + 8 * dm_step, dm_step, wasm_f32x4_sub(y00, y10), wasm_f32x4_sub(y01, y11));
        grad_row(o + 12 * dm_step, dm_step, wasm_f32x4_neg(y10), wasm_f32x4_neg(y11));
      }
    }
    for (int xi = 0; xi < WINO_POSITIONS; xi++) {
      for (int ci = 0; ci < Ci; ci += TILE_ROWS) {
        const float* a = v + xi * v_step + ci;
        for (int j = j_begin; j < j_end; j += PANEL_COLS) {
          const TileRows out = tile_rows(du + (xi * Ci + ci) * cols + j, cols, TILE_ROWS, PANEL_COLS);
          const float* p = dm + xi * dm_step + (j / PANEL_COLS) * WINO_CHUNK * PANEL_COLS;
          Tile acc = tile_load(out);
          for (int s = 0, at = 0; s < count; s++, at += Ci, p += PANEL_COLS) acc = tile_madd(acc, a + at, a + at + 1, a + at + 2, a + at + 3, p);
          tile_store(out, acc, 0);
        }
      }
    }
  }
  const int position = Ci * cols, tap = Ci * Co;
  for (int ci = 0; ci < Ci; ci++) {
    for (int co = j_begin; co < j_last; co++) {
      const float* u = du + ci * cols + co;
#define U(i, j) u[((i) * 4 + (j)) * position]
      // Gᵀ·dU (3 rows × 4), then ·G by rows.
      const float c00 = gt0(U(0, 0), U(1, 0), U(2, 0)), c01 = gt0(U(0, 1), U(1, 1), U(2, 1)), c02 = gt0(U(0, 2), U(1, 2), U(2, 2)), c03 = gt0(U(0, 3), U(1, 3), U(2, 3));
      const float c10 = gt1(U(1, 0), U(2, 0)), c11 = gt1(U(1, 1), U(2, 1)), c12 = gt1(U(1, 2), U(2, 2)), c13 = gt1(U(1, 3), U(2, 3));
      const float c20 = gt2(U(1, 0), U(2, 0), U(3, 0)), c21 = gt2(U(1, 1), U(2, 1), U(3, 1)), c22 = gt2(U(1, 2), U(2, 2), U(3, 2)), c23 = gt2(U(1, 3), U(2, 3), U(3, 3));
#undef U
      float* d = dw + ci * Co + co;
      d[0] = gt0(c00, c01, c02); d[tap] = gt1(c01, c02); d[2 * tap] = gt2(c01, c02, c03);
      d[3 * tap] = gt0(c10, c11, c12); d[4 * tap] = gt1(c11, c12); d[5 * tap] = gt2(c11, c12, c13);
      d[6 * tap] = gt0(c20, c21, c22); d[7 * tap] = gt1(c21, c22); d[8 * tap] = gt2(c21, c22, c23);
    }
  }
}
