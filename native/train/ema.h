// The EMA ("momentum") schedule of the teacher network (ALGORITHMS.md §1.10, OpenMixup's
// CosineScheduleHook): m₀ until the adjust scope starts (or a linear ramp with warm-up
// 'linear'), then m = m_end − (m_end − m₀)·(cos(π·i/i_max) + 1)/2. The cosine reads i/i_max, not
// (i − i_min)/(i_max − i_min), so m jumps at i_min as in the original.
#pragma once

#include <cmath>
#include <cstdint>

namespace adx {

struct EmaOptions {
  double start_momentum = 0.999;    // m₀
  double end_momentum = 0.999999;   // m_end
  double scope_start = 0.1;         // fraction of all iterations where the cosine starts
  double scope_end = 1.0;           // ... and where it ends
  bool linear_warmup = false;       // before the scope: false = constant m₀, true = linear ramp
  int64_t update_interval = 1;      // average every k-th iteration only (the ViT configs' update_interval)
  bool multi_tensor = false;        // as list operations (set by the Trainer from speed.multiTensor)
};

// Whether the EMA update runs after iteration i: mmcv's every_n_iters, (i + 1) mod k == 0, so
// with gradient accumulation over k iterations it follows the optimizer steps.
inline bool ema_update_due(const EmaOptions& o, int64_t i) { return (i + 1) % o.update_interval == 0; }

// m for global iteration i (0-based) of `total` iterations.
inline double ema_momentum(const EmaOptions& o, int64_t i, int64_t total) {
  constexpr double kPi = 3.14159265358979323846;
  const int64_t i_min = o.scope_start > 0 ? static_cast<int64_t>(o.scope_start * static_cast<double>(total)) : 0;
  const int64_t i_max = o.scope_end < 1 ? static_cast<int64_t>(o.scope_end * static_cast<double>(total)) : total;
  const double m0 = o.start_momentum, m1 = o.end_momentum;
  if (i < i_min) {
    if (!o.linear_warmup) return m0;
    return m1 - (m1 - m0) * static_cast<double>(i_min - i) / static_cast<double>(i_min);
  }
  if (i > i_max || i_max == 0) return m1;  // past the scope: hold the end value
  return m1 - (m1 - m0) * (std::cos(kPi * static_cast<double>(i) / static_cast<double>(i_max)) + 1.0) / 2.0;
}

}  // namespace adx
