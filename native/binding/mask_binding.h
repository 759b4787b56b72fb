// Pieces of the classic mixers on their own, for tests against independent computations and for
// plots: FMix's low-frequency image, PuzzleMix's grid labelling.
#pragma once

#include <napi.h>

namespace adx::node {

// fmixGrey(height, width, decay, seed) → Float32Array [height·width], row-major, in [0, 1].
Napi::Value fmix_grey(const Napi::CallbackInfo& info);

// solveGridLabels(rows, cols, unary: Float64Array [rows·cols·3], weightDown: Float64Array
// [(rows−1)·cols], weightRight: Float64Array [rows·(cols−1)]) → { labels: Int32Array, energy }.
Napi::Value solve_grid_labels(const Napi::CallbackInfo& info);

}  // namespace adx::node
