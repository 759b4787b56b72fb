// Learning-rate schedules (ALGORITHMS.md §1.11): mmcv's CosineAnnealing,
// lr = min + (base − min)·(1 + cos(π·t/T))/2, stepped per epoch (t = epoch, T = epochs) or per
// iteration (t = iteration, T = total iterations), with mmcv's linear warm-up over the first
// W iterations: lr·(1 − (1 − i/W)·(1 − ratio)), i.e. from ratio·lr up to the schedule's lr.
#pragma once

#include <cmath>
#include <cstdint>

namespace adx {

enum class LrStepping { Epoch, Iteration };

struct LrSchedule {
  double base_lr = 0.1;
  double min_lr = 0.0;
  int64_t epochs = 1;
  int64_t steps_per_epoch = 1;
  LrStepping stepping = LrStepping::Epoch;
  int64_t warmup_steps = 0;   // W; 0: no warm-up
  double warmup_ratio = 0.1;  // the first iteration's share of the scheduled lr
};

inline double cosine_annealing(double base, double min, double t, double total) {
  if (total <= 0) return base;
  constexpr double kPi = 3.14159265358979323846;
  return min + (base - min) * (1.0 + std::cos(kPi * t / total)) / 2.0;
}

// The learning rate for global iteration `step` (0-based).
inline double learning_rate(const LrSchedule& s, int64_t step) {
  const double scheduled =
      s.stepping == LrStepping::Epoch
          ? cosine_annealing(s.base_lr, s.min_lr, static_cast<double>(step / s.steps_per_epoch),
                             static_cast<double>(s.epochs))
          : cosine_annealing(s.base_lr, s.min_lr, static_cast<double>(step),
                             static_cast<double>(s.epochs * s.steps_per_epoch));
  if (step >= s.warmup_steps) return scheduled;
  const double k = (1.0 - static_cast<double>(step) / static_cast<double>(s.warmup_steps)) * (1.0 - s.warmup_ratio);
  return scheduled * (1.0 - k);
}

}  // namespace adx
